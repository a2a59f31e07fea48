#pragma once
// Reads the conditional headers of a request into serve::Conditions (dates parsed with the same
// parser PROPFIND uses, so both layers agree on what a valid HTTP date is).
#include "dav115/serve/conditional.hpp"
#include "dav115/util/http_types.hpp"

namespace dav115::serve {

Conditions conditions_from(const util::HttpRequest& req);

}  // namespace dav115::serve
