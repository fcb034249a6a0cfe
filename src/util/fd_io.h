// Writing to a file descriptor without losing bytes to short writes or EINTR. Depends on
// nothing else in distributest.
#pragma once

#include <string_view>

namespace dt {

// Writes all of `data` to `fd` (blocking). Returns 0, or the errno of the write that failed.
int write_all(int fd, std::string_view data);

}  // namespace dt
