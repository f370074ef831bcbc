# Writes sfb/format_contract.h from format/contract.json with CMake's own string(JSON), so the
# C++ tables can never disagree with the file that plots/ reads at run time.
# Usage: cmake -DCONTRACT=<contract.json> -DOUTPUT=<header> -P generate_contract_header.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT CONTRACT OR NOT OUTPUT)
    message(FATAL_ERROR "usage: cmake -DCONTRACT=<contract.json> -DOUTPUT=<header> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
file(READ "${CONTRACT}" json)

# A C++ raw string literal; the delimiter keeps quotes and backslashes in the text harmless.
function(sfb_literal out text)
    string(FIND "${text}" ")sfb\"" clash)
    if(NOT clash EQUAL -1)
        message(FATAL_ERROR "${CONTRACT}: text may not contain ')sfb\"': ${text}")
    endif()
    set(${out} "R\"sfb(${text})sfb\"" PARENT_SCOPE)
endfunction()

# string(JSON <mode>) on the contract that fails with the contract's name when an entry is missing
# a member or is not of the type asked for.
function(sfb_json out mode)
    string(JSON value ERROR_VARIABLE error ${mode} "${json}" ${ARGN})
    if(error)
        message(FATAL_ERROR "${CONTRACT}: ${error}")
    endif()
    set(${out} "${value}" PARENT_SCOPE)
endfunction()

function(sfb_get out)
    sfb_json(value GET ${ARGN})
    set(${out} "${value}" PARENT_SCOPE)
endfunction()

# The length of an array that may not be empty.
function(sfb_length out)
    sfb_json(value LENGTH ${ARGN})
    if(value EQUAL 0)
        message(FATAL_ERROR "${CONTRACT}: ${ARGN} is empty")
    endif()
    set(${out} "${value}" PARENT_SCOPE)
endfunction()

function(sfb_check_identifier what name)
    if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
        message(FATAL_ERROR "${CONTRACT}: ${what} '${name}' is not a lower-case C++ identifier")
    endif()
endfunction()

# Emits the table `array` of `struct_name` from the contract's array `array`, one member per
# field in `fields` (the first is the entry's name), and the namespace `names_ns` with one
# string_view constant per entry.
function(sfb_table text_var array struct_name names_ns)
    set(fields ${ARGN})
    sfb_length(count ${array})
    set(body "")
    set(names "")
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
        set(values "")
        set(comma "")
        foreach(field IN LISTS fields)
            # A field ending in '?' may be left out of an entry: it is then the empty string.
            set(optional FALSE)
            if(field MATCHES "^(.*)[?]$")
                set(field "${CMAKE_MATCH_1}")
                set(optional TRUE)
            endif()
            string(JSON type ERROR_VARIABLE error TYPE "${json}" ${array} ${i} ${field})
            if(error AND optional)
                set(type "STRING")
                set(value "")
            elseif(error)
                message(FATAL_ERROR "${CONTRACT}: ${array}[${i}]: ${error}")
            else()
                sfb_get(value ${array} ${i} ${field})
            endif()
            if(type STREQUAL "BOOLEAN")
                if(value)
                    string(APPEND values "${comma}true")
                else()
                    string(APPEND values "${comma}false")
                endif()
            elseif(type STREQUAL "STRING")
                sfb_literal(literal "${value}")
                string(APPEND values "${comma}${literal}")
            else()
                message(FATAL_ERROR "${CONTRACT}: ${array}[${i}].${field} must be a string or a boolean")
            endif()
            set(comma ", ")
        endforeach()
        list(GET fields 0 key_field)
        sfb_get(name ${array} ${i} ${key_field})
        sfb_check_identifier("${array} entry" "${name}")
        string(APPEND body "    ${struct_name}{${values}},\n")
        string(APPEND names "inline constexpr std::string_view ${name} = \"${name}\";\n")
    endforeach()
    set(${text_var} "${${text_var}}inline constexpr std::array<${struct_name}, ${count}> ${array}{{\n${body}}};\n\nnamespace ${names_ns} {\n${names}}  // namespace ${names_ns}\n\n" PARENT_SCOPE)
endfunction()

# enum class <id> in contract order, to_string and parse_<id>.
function(sfb_enum text_var array id)
    sfb_length(count ${array})
    math(EXPR last "${count} - 1")
    set(enumerators "")
    set(cases "")
    foreach(i RANGE ${last})
        sfb_get(name ${array} ${i} name)
        string(APPEND enumerators "    ${name},\n")
    endforeach()
    set(${text_var} "${${text_var}}enum class ${id} {\n${enumerators}};

// The contract name of `value`: ${array}[static_cast<std::size_t>(value)].name.
constexpr std::string_view to_string(${id} value) noexcept {
    return ${array}[static_cast<std::size_t>(value)].name;
}

// The ${id} named `name`, or nothing for a name that is not in the contract.
constexpr std::optional<${id}> parse_${id}(std::string_view name) noexcept {
    for (std::size_t i = 0; i < ${array}.size(); ++i) {
        if (${array}[i].name == name) {
            return static_cast<${id}>(i);
        }
    }
    return std::nullopt;
}

" PARENT_SCOPE)
endfunction()

set(text "// Generated from format/contract.json by format/generate_contract_header.cmake. Do not edit:
// edit the contract and rebuild.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

// The contract has a transport named unix, which GNU C++ modes predefine as a macro.
#pragma push_macro(\"unix\")
#undef unix

namespace sfb::format {

struct path_spec {
    std::string_view name;
    std::string_view summary;
    std::string_view oldest_linux;  // the oldest Linux release that has the path
    bool zero_copy;                 // the path reports the zerocopy_copied counter
};

struct name_spec {
    std::string_view name;
    std::string_view summary;
};

struct counter_spec {
    std::string_view name;
    std::string_view unit;
    std::string_view meaning;
    std::string_view better;  // \"higher\", \"lower\" or \"none\"
    // When a benchmark entry has it: \"\" (always), \"zero_copy\" (on the paths whose
    // zero_copy is true, never on others), \"sampling\" (exactly when the context key
    // sampling is \"on\"), \"system_cpu\" (exactly when the host has a nanosecond
    // system-wide CPU source: all such counters or none), \"system_cpu_local\" (that, on a
    // transport other than remote4/remote6), \"system_cpu_sampling\" (that, with sampling
    // on), \"hardware_counters\" / \"task_clock\" (exactly when the context key
    // thread_counters is \"hardware\" / \"task-clock\"), \"hardware_counters_local\" /
    // \"task_clock_local\" (that, on a transport other than remote4/remote6),
    // \"instruction_clock\" (exactly when the context key vm_clock, written by sfb kernels,
    // is \"instructions\") or \"retired\" (never: written by earlier versions only).
    std::string_view when;
};

struct context_key_spec {
    std::string_view key;
    std::string_view meaning;
    std::string_view source;  // who writes it: \"gbench\", \"suite\" or \"harness\"
};

struct segment_spec {
    std::string_view name;
    std::string_view prefix;  // written before the value, e.g. \"file:\"; empty for most
    std::string_view values;  // the table the value is from (\"paths\", ...), or \"bytes\", \"count\"
};

")

sfb_get(format_version format_version)
string(APPEND text "inline constexpr int format_version = ${format_version};\n\n")

# The benchmark name grammar.
sfb_get(separator name separator)
sfb_get(real_time_suffix name real_time_suffix)
sfb_get(threads_prefix name threads_prefix)
sfb_get(aggregate_separator name aggregate_separator)
string(APPEND text "// <segment><separator><segment>...<separator><real_time_suffix>[<separator><threads_prefix>N]
// and, on aggregates, <aggregate_separator><aggregate name> at the end.
inline constexpr std::string_view name_separator = \"${separator}\";
inline constexpr std::string_view real_time_suffix = \"${real_time_suffix}\";
inline constexpr std::string_view threads_prefix = \"${threads_prefix}\";
inline constexpr std::string_view aggregate_separator = \"${aggregate_separator}\";
")
sfb_length(count name aggregate_names)
math(EXPR last "${count} - 1")
set(aggregates "")
foreach(i RANGE ${last})
    sfb_get(value name aggregate_names ${i})
    list(APPEND aggregates "\"${value}\"")
endforeach()
list(JOIN aggregates ", " aggregates)
string(APPEND text "inline constexpr std::array<std::string_view, ${count}> aggregate_names{${aggregates}};\n\n")

sfb_length(count name segments)
math(EXPR last "${count} - 1")
set(body "")
set(names "")
foreach(i RANGE ${last})
    sfb_get(name name segments ${i} name)
    sfb_get(prefix name segments ${i} prefix)
    sfb_get(values name segments ${i} values)
    sfb_check_identifier("name segment" "${name}")
    string(APPEND body "    segment_spec{\"${name}\", \"${prefix}\", \"${values}\"},\n")
    string(APPEND names "inline constexpr std::string_view ${name} = \"${name}\";\n")
endforeach()
string(APPEND text "// The segments of a benchmark name, in order.
inline constexpr std::array<segment_spec, ${count}> name_segments{{\n${body}}};

namespace segment_name {\n${names}}  // namespace segment_name\n\n")

sfb_table(text paths path_spec path_name name summary oldest_linux zero_copy)
sfb_table(text transports name_spec transport_name name summary)
sfb_table(text receivers name_spec receiver_name name summary)
sfb_table(text caches name_spec cache_name name summary)
sfb_table(text placements name_spec placement_name name summary)
string(APPEND text "// Google Benchmark's fields of a benchmark entry, apart from the measures.\n")
sfb_table(text benchmark_fields name_spec field_name name summary)
string(APPEND text "// Google Benchmark's own per-pass numbers (fields of every benchmark entry).\n")
sfb_table(text measures counter_spec measure_name name unit meaning better when?)
string(APPEND text "// The suite's counters: flat numeric keys of every benchmark entry, all per pass.\n")
sfb_table(text counters counter_spec counter_name name unit meaning better when?)
sfb_table(text context_keys context_key_spec context_key_name key meaning source)

sfb_enum(text paths path_id)
sfb_enum(text transports transport_id)
sfb_enum(text receivers receiver_id)
sfb_enum(text caches cache_id)
sfb_enum(text placements placement_id)

# The machine fingerprint recipe's constants (format/include/sfb/fingerprint.h applies them).
sfb_get(template fingerprint template)
sfb_get(prefix fingerprint cpu_model_line_prefix)
sfb_get(fallback fingerprint cpu_model_fallback)
sfb_literal(template_literal "${template}")
sfb_literal(prefix_literal "${prefix}")
sfb_literal(fallback_literal "${fallback}")
string(APPEND text "// The machine fingerprint: ${template}, slugified.
inline constexpr std::string_view fingerprint_template = ${template_literal};
// The /proc/cpuinfo line the CPU model is read from.
inline constexpr std::string_view cpu_model_line_prefix = ${prefix_literal};
// The CPU model when /proc/cpuinfo has no such line (as on ARM), and the value of any other
// fingerprint part that cannot be read.
inline constexpr std::string_view unknown_value = ${fallback_literal};

}  // namespace sfb::format

#pragma pop_macro(\"unix\")
")

# Rewritten only when it changes, so a touched contract does not rebuild everything.
file(CONFIGURE OUTPUT "${OUTPUT}" CONTENT "${text}" @ONLY)
