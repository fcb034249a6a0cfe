# A Debian package of an existing build: `cpack --config BUILD/CPackConfig.cmake -G DEB`
# (tools/package). Packaging re-installs the build into a staging tree under /usr, so one build
# serves both the tests and the package; the binaries find their templates and relay relative to
# themselves (runner/adapter.cc templates_dir, transport/ssh_relay.cc), not at a configured path.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME distributest)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "distributest maintainers <distributest@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "distributed test runner: one suite over every core of several machines, over SSH")
set(CPACK_PACKAGE_DESCRIPTION "distributest runs a test suite's files (pytest, RSpec, minitest or any command) on every core of this machine and of SSH nodes at once, slowest first, and reports one result as if run serially. No daemon on the nodes: they need sshd and rsync.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_STRIP_FILES ON)
# The shared libraries' packages come from dpkg-shlibdeps; rsync and ssh are run as programs.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "rsync, openssh-client")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ruby-rspec | python3-pytest")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "ruby-minitest, python3-setproctitle, bash-completion")
# The binary reads /etc/distributest/config.toml (config/config_layers.cc) whatever its prefix:
# package_fixup.cmake moves the staged <prefix>/etc there, and dpkg keeps a user's edits to it as a conffile.
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/package_fixup.cmake)
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles "/etc/distributest/config.toml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/debian/conffiles)
include(CPack)
