#pragma once
// Reads the conditional headers of a request into delivery::Conditions (dates parsed with the same
// parser PROPFIND uses, so both layers agree on what a valid HTTP date is).
#include "dav115/delivery/conditional.hpp"
#include "dav115/util/http_types.hpp"

namespace dav115::delivery {

Conditions conditions_from(const util::HttpRequest& req);

}  // namespace dav115::delivery
