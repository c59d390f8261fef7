#include "apps/timed/datadir.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "security/file_util.hpp"

namespace timecoin {

datadir_state prepare_datadir(const std::string& dir) {
  datadir_state out;
  if (!security::make_private_dirs(dir, out.error)) {
    out.error = "data directory " + dir + ": " + out.error;
    return out;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    out.error = "cannot use data directory " + dir + ": "
                + security::errno_text(errno);
    return out;
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    out.warning = "data directory " + dir + " has mode " + mode
                  + ": group or others can look inside (the node key, the RPC "
                    "cookie, the ban list); chmod 700 "
                  + dir + " unless that is intended";
  }
  return out;
}

} // namespace timecoin
