# Exported, namespaced package: find_package(wengert) then link wengert::wengert.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS wengert EXPORT wengertTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES wengert.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wengert)
foreach(folder autograd ops losses optim nn data train adversarial)
    install(DIRECTORY ${folder}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wengert/${folder}
        FILES_MATCHING PATTERN "*.hpp")
endforeach()

install(EXPORT wengertTargets NAMESPACE wengert:: FILE wengertTargets.cmake
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wengert)
configure_package_config_file(cmake/wengertConfig.cmake.in
    ${PROJECT_BINARY_DIR}/wengertConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wengert)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wengertConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wengertConfig.cmake
    ${PROJECT_BINARY_DIR}/wengertConfigVersion.cmake
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wengert)
