# CTest wiring of the MongoDB tests (issue 3). Include this file before declaring a MongoDB test:
#
#   include(${PROJECT_SOURCE_DIR}/tests/ferretdb/MongoTests.cmake)
#
# Every MongoDB test needs the CTest fixture `ferretdb`: its setup test `ferretdb_build`
# (tests/ferretdb/CMakeLists.txt) builds the FerretDB test server once into a cache folder shared
# by every build preset, and the test finds the binary through the environment variable
# MESSENGER_FERRETDB. Where MESSENGER_TEST_MONGO_URI is set when ctest runs, the tests use that
# server instead and nothing is built.
#
#   messenger_mongo_tests(TESTS <test>...)
#       Tests made with add_test() in the calling directory (e.g. pytest files): adds the label
#       `mongo`, the fixture and MESSENGER_FERRETDB, keeping the labels, fixtures and
#       environment they already have. Call it after add_test() and set_tests_properties().
#
#   messenger_mongo_tests(GTEST <target>...)
#       GoogleTest executables made with messenger_gtest(... LABELS mongo) in the calling
#       directory: adds the fixture and MESSENGER_FERRETDB to every discovered case. Their labels
#       come from messenger_gtest, which must be given `LABELS mongo` (checked here).
include_guard(GLOBAL)

get_filename_component(_messenger_repo_dir "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(MESSENGER_FERRETDB_DIR "${_messenger_repo_dir}/build/ferretdb" CACHE PATH
    "Cache folder of the FerretDB test server binary, shared by every build preset")
unset(_messenger_repo_dir)

# The binary that tests/ferretdb/build.sh puts into MESSENGER_FERRETDB_DIR.
set(MESSENGER_FERRETDB "${MESSENGER_FERRETDB_DIR}/messenger-test-ferretdb" CACHE INTERNAL
    "The FerretDB test server binary")

function(_messenger_mongo_add_tests)
  foreach(test IN LISTS ARGN)
    if(NOT TEST ${test})
      message(FATAL_ERROR "messenger_mongo_tests: no test named '${test}' in "
                          "${CMAKE_CURRENT_SOURCE_DIR} (call it after add_test)")
    endif()
    set_property(TEST ${test} APPEND PROPERTY LABELS mongo)
    set_property(TEST ${test} APPEND PROPERTY FIXTURES_REQUIRED ferretdb)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT_MODIFICATION
                 "MESSENGER_FERRETDB=set:${MESSENGER_FERRETDB}")
  endforeach()
endfunction()

# Fails the configure step unless messenger_gtest(<target> ... LABELS mongo) was called here.
function(_messenger_mongo_check_gtest_labels target)
  set(label_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake")
  if(NOT EXISTS "${label_file}")
    message(FATAL_ERROR "messenger_mongo_tests(GTEST ${target}): call messenger_gtest(${target} "
                        "... LABELS mongo) first, in the same directory")
  endif()
  file(READ "${label_file}" content)
  string(REGEX MATCH "LABELS \"([^\"]*)\"" ignored "${content}")
  set(labels "${CMAKE_MATCH_1}")
  if(NOT "mongo" IN_LIST labels)
    message(FATAL_ERROR "messenger_mongo_tests(GTEST ${target}): give messenger_gtest(${target} "
                        "...) the argument `LABELS mongo` (its labels are: ${labels})")
  endif()
endfunction()

# Discovered cases exist only when ctest runs, so their properties are set by a CTest include
# file, after messenger_gtest's own (which sets the labels: set_tests_properties replaces a
# property, so this one sets only the fixture and the environment).
function(_messenger_mongo_add_gtest target)
  _messenger_mongo_check_gtest_labels(${target})
  set(mongo_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_mongo.cmake")
  file(WRITE "${mongo_file}"
       "if(DEFINED ${target}_TESTS)\n"
       "  set_tests_properties(\${${target}_TESTS} PROPERTIES\n"
       "    FIXTURES_REQUIRED ferretdb\n"
       "    ENVIRONMENT_MODIFICATION \"MESSENGER_FERRETDB=set:${MESSENGER_FERRETDB}\")\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${mongo_file}")
endfunction()

function(messenger_mongo_tests)
  cmake_parse_arguments(ARG "" "" "TESTS;GTEST" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "messenger_mongo_tests: unexpected arguments ${ARG_UNPARSED_ARGUMENTS} "
                        "(use TESTS <add_test names> or GTEST <messenger_gtest targets>)")
  endif()
  _messenger_mongo_add_tests(${ARG_TESTS})
  foreach(target IN LISTS ARG_GTEST)
    _messenger_mongo_add_gtest(${target})
  endforeach()
endfunction()
