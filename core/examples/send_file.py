"""The sfb C ABI from Python with ctypes: sends a file with a header over a socket pair.

Usage: python3 send_file.py path/to/libsfbcore.so
"""
import ctypes
import os
import socket
import sys
import tempfile


class Buffer(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class Request(ctypes.Structure):
    _fields_ = [("out_fd", ctypes.c_int), ("in_fd", ctypes.c_int),
                ("offset", ctypes.c_int64), ("nbytes", ctypes.c_uint64),
                ("headers", ctypes.POINTER(Buffer)), ("header_count", ctypes.c_size_t),
                ("trailers", ctypes.POINTER(Buffer)), ("trailer_count", ctypes.c_size_t),
                ("flags", ctypes.c_int), ("already_sent", ctypes.c_uint64)]


class Result(ctypes.Structure):
    _fields_ = [("bytes_sent", ctypes.c_uint64), ("file_bytes", ctypes.c_uint64),
                ("error", ctypes.c_int), ("used_native", ctypes.c_int)]


sfb = ctypes.CDLL(sys.argv[1])
sfb.sfb_sendfile.argtypes = [ctypes.POINTER(Request), ctypes.POINTER(Result)]
sfb.sfb_sendfile.restype = ctypes.c_int
sfb.sfb_backend_name.restype = ctypes.c_char_p

with tempfile.TemporaryFile() as f:
    f.write(b"hello from a file\n")
    f.flush()
    out, peer = socket.socketpair()
    header = b"HEADER\n"
    headers = (Buffer * 1)(Buffer(ctypes.cast(ctypes.c_char_p(header), ctypes.c_void_p),
                                  len(header)))
    request = Request(out_fd=out.fileno(), in_fd=f.fileno(), offset=0, nbytes=0,
                      headers=headers, header_count=1)
    result = Result()
    if sfb.sfb_sendfile(ctypes.byref(request), ctypes.byref(result)) != 0:
        raise OSError(result.error, os.strerror(result.error))
    out.close()
    received = b""
    while chunk := peer.recv(65536):
        received += chunk
    print(f"backend {sfb.sfb_backend_name().decode()}: sent {result.bytes_sent} bytes "
          f"({result.file_bytes} from the file), received {received!r}")
