# Installs the built library into a scratch prefix, then configures, builds and runs the
# consumer against it with find_package. Called by ctest with BUILD_DIR and SOURCE_DIR.
set(prefix ${BUILD_DIR}/consumer-prefix)
set(consumer_build ${BUILD_DIR}/consumer-build)
file(REMOVE_RECURSE ${prefix} ${consumer_build})
foreach(step
        "${CMAKE_COMMAND};--install;${BUILD_DIR};--prefix;${prefix}"
        "${CMAKE_COMMAND};-S;${SOURCE_DIR}/tests/consumer;-B;${consumer_build};-DCMAKE_PREFIX_PATH=${prefix};-DCMAKE_BUILD_TYPE=Release"
        "${CMAKE_COMMAND};--build;${consumer_build}"
        "${consumer_build}/consumer")
    execute_process(COMMAND ${step} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "step failed: ${step}\n${out}")
    endif()
endforeach()
message(STATUS "consumer built and ran against the installed package")
