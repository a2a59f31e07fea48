#pragma once
// A thin RAII layer over the SQLite C API (private to the store): a connection, prepared statements,
// a transaction guard, and failures as exceptions that keep SQLite's result code, so the opening code
// can tell a damaged file from a busy one.
#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dav115::store::sql {

struct Error : std::runtime_error {
  Error(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;  // SQLite's extended result code
  int primary() const { return code & 0xff; }
};

class Database {
 public:
  // Opens (creating it if missing) `file` read-write, or an in-memory database for ":memory:".
  explicit Database(const std::string& file);
  ~Database();
  Database(Database&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return db_; }
  // Runs one or more statements that return no rows the caller wants.
  void exec(const char* sql);
  // The first column of the first row of a one-value query ("PRAGMA user_version").
  std::int64_t query_int(const char* sql);
  std::string query_text(const char* sql);

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(const Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT): callers pass temporaries.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);

  bool step();  // true: a row is ready to read; false: done
  void run();   // steps to the end (INSERT, UPDATE, DELETE)
  void reset(); // ready to be bound and run again

  std::string_view text(int column) const;  // 0-based, as in SQLite
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement (bindings and all) when the scope ends, also by an exception, so its next use
// starts clean.
struct Reset {
  Statement& st;
  ~Reset() { st.reset(); }
};

// BEGIN IMMEDIATE (takes the write lock up front, so a transaction never fails half-way on a lock
// upgrade); rolls back unless commit() was reached, so an exception leaves the database untouched.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

// Throws Error for `rc` unless it is SQLITE_OK; `what` says which call failed.
void check(sqlite3* db, int rc, std::string_view what);

}  // namespace dav115::store::sql
