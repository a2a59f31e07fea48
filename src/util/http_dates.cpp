#include "dav115/util/http_dates.hpp"

#include <array>
#include <chrono>
#include <cstring>

namespace dav115::util {
namespace {

using namespace std::chrono;

constexpr std::array<const char*, 7> kWeekdays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
  int year;
  unsigned month, day, weekday, hour, minute, second;
};

Civil to_civil(std::int64_t unix_seconds) {
  sys_seconds t{seconds{unix_seconds}};
  auto day_point = floor<days>(t);
  year_month_day ymd{day_point};
  hh_mm_ss<seconds> tod{t - day_point};
  return Civil{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
               static_cast<unsigned>(ymd.day()), weekday{day_point}.c_encoding(),
               static_cast<unsigned>(tod.hours().count()), static_cast<unsigned>(tod.minutes().count()),
               static_cast<unsigned>(tod.seconds().count())};
}

void put2(char*& p, unsigned v) {
  *p++ = static_cast<char>('0' + v / 10 % 10);
  *p++ = static_cast<char>('0' + v % 10);
}

void put4(char*& p, int v) {
  if (v < 0 || v > 9999) v = v < 0 ? 0 : 9999;  // outside what the formats can express
  *p++ = static_cast<char>('0' + v / 1000);
  *p++ = static_cast<char>('0' + v / 100 % 10);
  *p++ = static_cast<char>('0' + v / 10 % 10);
  *p++ = static_cast<char>('0' + v % 10);
}

void put3(char*& p, const char* s) {
  std::memcpy(p, s, 3);
  p += 3;
}

// --- parsing helpers: a tiny cursor over the text -----------------------------------------

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool lit(std::string_view x) {
    if (s.substr(i, x.size()) != x) return false;
    i += x.size();
    return true;
  }
  bool digits(std::size_t n, int& out) {
    if (i + n > s.size()) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    out = v;
    i += n;
    return true;
  }
  bool month(unsigned& out) {
    for (unsigned m = 0; m < 12; ++m)
      if (lit(kMonths[m])) {
        out = m + 1;
        return true;
      }
    return false;
  }
  bool short_weekday() {
    for (auto* w : kWeekdays)
      if (lit(w)) return true;
    return false;
  }
  bool long_weekday() {
    static constexpr std::array<const char*, 7> kLong{"Sunday", "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};
    for (auto* w : kLong)
      if (lit(w)) return true;
    return false;
  }
  bool time(int& h, int& m, int& sec) {
    return digits(2, h) && lit(":") && digits(2, m) && lit(":") && digits(2, sec);
  }
  bool at_end() const { return i == s.size(); }
};

std::optional<std::int64_t> to_unix(int year, unsigned month, int day, int h, int m, int sec) {
  if (h > 23 || m > 59 || sec > 60) return std::nullopt;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  auto t = sys_days{ymd} + hours{h} + minutes{m} + seconds{sec == 60 ? 59 : sec};
  return t.time_since_epoch().count();
}

std::optional<std::int64_t> parse_imf_fixdate(std::string_view text) {
  Cursor c{text};
  int day, year, h, m, s;
  unsigned mon;
  if (c.short_weekday() && c.lit(", ") && c.digits(2, day) && c.lit(" ") && c.month(mon) && c.lit(" ") &&
      c.digits(4, year) && c.lit(" ") && c.time(h, m, s) && c.lit(" GMT") && c.at_end())
    return to_unix(year, mon, day, h, m, s);
  return std::nullopt;
}

std::optional<std::int64_t> parse_rfc850(std::string_view text) {
  Cursor c{text};
  int day, yy, h, m, s;
  unsigned mon;
  if (c.long_weekday() && c.lit(", ") && c.digits(2, day) && c.lit("-") && c.month(mon) && c.lit("-") &&
      c.digits(2, yy) && c.lit(" ") && c.time(h, m, s) && c.lit(" GMT") && c.at_end()) {
    // RFC 9110: a two-digit year more than 50 years in the future means the previous century;
    // with a 1970-based clock, 70..99 -> 19xx and 00..69 -> 20xx is the practical reading.
    return to_unix(yy >= 70 ? 1900 + yy : 2000 + yy, mon, day, h, m, s);
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_asctime(std::string_view text) {
  Cursor c{text};
  int day, year, h, m, s;
  unsigned mon;
  if (!(c.short_weekday() && c.lit(" ") && c.month(mon) && c.lit(" "))) return std::nullopt;
  if (c.lit(" ")) {  // single-digit day is space-padded
    if (!c.digits(1, day)) return std::nullopt;
  } else if (!c.digits(2, day)) {
    return std::nullopt;
  }
  if (c.lit(" ") && c.time(h, m, s) && c.lit(" ") && c.digits(4, year) && c.at_end())
    return to_unix(year, mon, day, h, m, s);
  return std::nullopt;
}

}  // namespace

void append_http_date(std::string& out, std::int64_t unix_seconds) {
  Civil c = to_civil(unix_seconds);
  char buf[32];
  char* p = buf;
  put3(p, kWeekdays[c.weekday]);
  *p++ = ',';
  *p++ = ' ';
  put2(p, c.day);
  *p++ = ' ';
  put3(p, kMonths[c.month - 1]);
  *p++ = ' ';
  put4(p, c.year);
  *p++ = ' ';
  put2(p, c.hour);
  *p++ = ':';
  put2(p, c.minute);
  *p++ = ':';
  put2(p, c.second);
  std::memcpy(p, " GMT", 4);
  p += 4;
  out.append(buf, static_cast<std::size_t>(p - buf));
}

std::string format_http_date(std::int64_t unix_seconds) {
  std::string s;
  append_http_date(s, unix_seconds);
  return s;
}

void append_rfc3339(std::string& out, std::int64_t unix_seconds) {
  Civil c = to_civil(unix_seconds);
  char buf[24];
  char* p = buf;
  put4(p, c.year);
  *p++ = '-';
  put2(p, c.month);
  *p++ = '-';
  put2(p, c.day);
  *p++ = 'T';
  put2(p, c.hour);
  *p++ = ':';
  put2(p, c.minute);
  *p++ = ':';
  put2(p, c.second);
  *p++ = 'Z';
  out.append(buf, static_cast<std::size_t>(p - buf));
}

std::string format_rfc3339(std::int64_t unix_seconds) {
  std::string s;
  append_rfc3339(s, unix_seconds);
  return s;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  // Surrounding whitespace is allowed around header values.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (auto t = parse_imf_fixdate(text)) return t;
  if (auto t = parse_rfc850(text)) return t;
  return parse_asctime(text);
}

}  // namespace dav115::util
