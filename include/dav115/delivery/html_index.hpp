#pragma once
// The HTML page a browser gets for GET on a collection: names, sizes, dates, relative links.
#include <string>
#include <string_view>
#include <vector>

#include "dav115/vfs/tree.hpp"

namespace dav115::delivery {

// `title_path` is the decoded path shown in the heading ("/Movies/"); `entries` the folder's children.
// Links are relative (`link_prefix` + percent-encoded name, "/" for folders), so they work under any
// mount path and route through the same handler, thus the active delivery policy. `link_prefix` is "./"
// when the page's URL ends in '/', else "./<encoded last segment>/". All text is HTML-escaped.
std::string render_html_index(std::string_view title_path, const std::vector<vfs::Node>& entries,
                              std::string_view link_prefix = "./", std::string_view parent_href = "../");

}  // namespace dav115::delivery
