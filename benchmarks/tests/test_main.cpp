// GoogleTest main for the suite's tests: SIGPIPE is ignored as in bench_sendfile, so a test
// whose receiver goes away sees EPIPE instead of dying.
#include <gtest/gtest.h>
#include <signal.h>

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
