#include <catch2/catch.hpp>

#include "dav115/serve/conditional.hpp"

using namespace dav115::serve;

namespace {
const Validators kV{"\"ABC\"", 1000};
}

TEST_CASE("If-None-Match: weak comparison, 304 on match") {
  Conditions c;
  c.if_none_match = "\"ABC\"";
  CHECK(evaluate_preconditions(c, kV) == Precondition::NotModified);
  c.if_none_match = "W/\"ABC\"";
  CHECK(evaluate_preconditions(c, kV) == Precondition::NotModified);
  c.if_none_match = "\"x\", \"ABC\"";
  CHECK(evaluate_preconditions(c, kV) == Precondition::NotModified);
  c.if_none_match = "*";
  CHECK(evaluate_preconditions(c, kV) == Precondition::NotModified);
  c.if_none_match = "\"other\"";
  CHECK(evaluate_preconditions(c, kV) == Precondition::Proceed);
  c.if_none_match = "\"ABC\"";
  CHECK(evaluate_preconditions(c, kV, /*safe_method=*/false) == Precondition::Failed);
}

TEST_CASE("If-Match: strong comparison, 412 on mismatch") {
  Conditions c;
  c.if_match = "\"ABC\"";  // what VLC sends after stripping W/
  CHECK(evaluate_preconditions(c, kV) == Precondition::Proceed);
  c.if_match = "*";
  CHECK(evaluate_preconditions(c, kV) == Precondition::Proceed);
  c.if_match = "W/\"ABC\"";  // weak tags never match strongly
  CHECK(evaluate_preconditions(c, kV) == Precondition::Failed);
  c.if_match = "\"old\"";
  CHECK(evaluate_preconditions(c, kV) == Precondition::Failed);
  c.if_match = "garbage";
  CHECK(evaluate_preconditions(c, kV) == Precondition::Failed);
}

TEST_CASE("If-Modified-Since and If-Unmodified-Since") {
  Conditions c;
  c.if_modified_since = 1000;
  CHECK(evaluate_preconditions(c, kV) == Precondition::NotModified);
  c.if_modified_since = 999;
  CHECK(evaluate_preconditions(c, kV) == Precondition::Proceed);
  c.if_modified_since = 1000;
  CHECK(evaluate_preconditions(c, kV, /*safe_method=*/false) == Precondition::Proceed);

  Conditions u;
  u.if_unmodified_since = 1000;
  CHECK(evaluate_preconditions(u, kV) == Precondition::Proceed);
  u.if_unmodified_since = 999;
  CHECK(evaluate_preconditions(u, kV) == Precondition::Failed);
}

TEST_CASE("Precedence: entity tags override dates") {
  Conditions c;
  // If-None-Match present (no match) → If-Modified-Since is ignored even though it would say 304.
  c.if_none_match = "\"other\"";
  c.if_modified_since = 5000;
  CHECK(evaluate_preconditions(c, kV) == Precondition::Proceed);

  // If-Match present (match) → If-Unmodified-Since is ignored even though it would fail.
  Conditions m;
  m.if_match = "\"ABC\"";
  m.if_unmodified_since = 1;
  CHECK(evaluate_preconditions(m, kV) == Precondition::Proceed);

  // 412 from If-Match wins over 304 from If-None-Match.
  Conditions both;
  both.if_match = "\"old\"";
  both.if_none_match = "\"ABC\"";
  CHECK(evaluate_preconditions(both, kV) == Precondition::Failed);

  // If-Unmodified-Since failure beats If-Modified-Since's 304.
  Conditions dates;
  dates.if_unmodified_since = 10;
  dates.if_modified_since = 5000;
  CHECK(evaluate_preconditions(dates, kV) == Precondition::Failed);
}

TEST_CASE("If-Range") {
  Conditions c;
  CHECK(if_range_allows_partial(c, kV));
  c.if_range = "\"ABC\"";
  CHECK(if_range_allows_partial(c, kV));
  c.if_range = "W/\"ABC\"";
  CHECK_FALSE(if_range_allows_partial(c, kV));
  c.if_range = "\"old\"";
  CHECK_FALSE(if_range_allows_partial(c, kV));
  c.if_range = "Thu, 01 Jan 1970 00:16:40 GMT";
  c.if_range_date = 1000;
  CHECK(if_range_allows_partial(c, kV));
  c.if_range_date = 999;
  CHECK_FALSE(if_range_allows_partial(c, kV));
  c.if_range_date.reset();  // an unparsable date never allows a partial answer
  CHECK_FALSE(if_range_allows_partial(c, kV));
}
