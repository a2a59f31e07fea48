#include "dav115/store/property_store.hpp"

#include <algorithm>
#include <string_view>

#include "sqlite.hpp"
#include "state_db.hpp"

namespace dav115::store {

// The connection and the statements every PROPFIND and PROPPATCH use, prepared once.
struct PropertyStore::Db {
  explicit Db(const std::filesystem::path& file)
      : db(open_state_db(file)),
        select_one(db, "SELECT ns, name, value_xml FROM dead_properties WHERE file_id = ?1 ORDER BY ns, name"),
        upsert(db,
               "INSERT INTO dead_properties (file_id, ns, name, value_xml) VALUES (?1, ?2, ?3, ?4) "
               "ON CONFLICT (file_id, ns, name) DO UPDATE SET value_xml = excluded.value_xml"),
        remove(db, "DELETE FROM dead_properties WHERE file_id = ?1 AND ns = ?2 AND name = ?3"),
        count(db, "SELECT count(*) FROM dead_properties WHERE file_id = ?1"),
        exists(db, "SELECT 1 FROM dead_properties WHERE file_id = ?1 AND ns = ?2 AND name = ?3"),
        // COALESCE keeps the field this call does not set.
        set_times(db,
                  "INSERT INTO client_times (file_id, mtime, ctime) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (file_id) DO UPDATE SET mtime = COALESCE(excluded.mtime, mtime), "
                  "ctime = COALESCE(excluded.ctime, ctime)"),
        copy(db,
             "INSERT INTO dead_properties (file_id, ns, name, value_xml) "
             "SELECT ?2, ns, name, value_xml FROM dead_properties WHERE file_id = ?1"),
        forget_props(db, "DELETE FROM dead_properties WHERE file_id = ?1"),
        forget_times(db, "DELETE FROM client_times WHERE file_id = ?1"),
        max_variables(static_cast<std::size_t>(sqlite3_limit(db.handle(), SQLITE_LIMIT_VARIABLE_NUMBER, -1))) {}

  sql::Database db;
  sql::Statement select_one, upsert, remove, count, exists, set_times, copy, forget_props, forget_times;
  std::size_t max_variables;
};

namespace {

using sql::Reset;

// "?1,?2,...,?n"
std::string placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 1; i <= n; ++i) {
    if (i > 1) out += ',';
    out += '?';
    out += std::to_string(i);
  }
  return out;
}

// Calls `each(statement)` for `prefix IN (...) suffix` over `ids` in as few queries as SQLite's
// bound-parameter limit allows (one for any listing below 32,766 entries).
template <class Each>
void for_chunks(sql::Database& db, std::size_t max_variables, const std::vector<std::string>& ids,
                std::string_view prefix, std::string_view suffix, Each each) {
  const std::size_t chunk = std::max<std::size_t>(1, max_variables);
  for (std::size_t at = 0; at < ids.size(); at += chunk) {
    const std::size_t n = std::min(chunk, ids.size() - at);
    std::string sql(prefix);
    sql += '(';
    sql += placeholders(n);
    sql += ')';
    sql += suffix;
    sql::Statement st(db, sql);
    for (std::size_t i = 0; i < n; ++i) st.bind(static_cast<int>(i + 1), ids[at + i]);
    each(st);
  }
}

void bind_times(sql::Statement& st, const std::string& file_id, const ClientTimes& t) {
  st.bind(1, file_id);
  if (t.mtime) st.bind(2, *t.mtime); else st.bind_null(2);
  if (t.ctime) st.bind(3, *t.ctime); else st.bind_null(3);
}

}  // namespace

PropertyStore::PropertyStore(const std::filesystem::path& state_dir, PropertyLimits limits)
    : limits_(limits), db_(std::make_unique<Db>(database_file(state_dir))) {}

PropertyStore::~PropertyStore() = default;

std::vector<DeadProperty> PropertyStore::get_properties(const std::string& file_id) {
  std::lock_guard lock(mutex_);
  std::vector<DeadProperty> out;
  Reset r{db_->select_one};
  db_->select_one.bind(1, file_id);
  while (db_->select_one.step())
    out.push_back({std::string(db_->select_one.text(0)), std::string(db_->select_one.text(1)),
                   std::string(db_->select_one.text(2))});
  return out;
}

std::unordered_map<std::string, std::vector<DeadProperty>> PropertyStore::get_properties(
    const std::vector<std::string>& file_ids) {
  std::lock_guard lock(mutex_);
  std::unordered_map<std::string, std::vector<DeadProperty>> out;
  for_chunks(db_->db, db_->max_variables, file_ids,
             "SELECT file_id, ns, name, value_xml FROM dead_properties WHERE file_id IN ", " ORDER BY file_id, ns, name",
             [&](sql::Statement& st) {
               while (st.step())
                 out[std::string(st.text(0))].push_back(
                     {std::string(st.text(1)), std::string(st.text(2)), std::string(st.text(3))});
             });
  return out;
}

void PropertyStore::apply_patch(const std::string& file_id, const std::vector<PropertyOp>& ops,
                                const ClientTimes& times) {
  // Checked before touching the database: the client learns which property was too big.
  for (const PropertyOp& op : ops)
    if (op.kind == PropertyOp::Kind::Set && op.value_xml.size() > limits_.max_value_bytes)
      throw PropertyLimitExceeded(PropertyLimitExceeded::Reason::ValueTooLarge, op.ns, op.name,
                                  "property value of " + std::to_string(op.value_xml.size()) +
                                      " bytes exceeds the limit of " + std::to_string(limits_.max_value_bytes));

  std::lock_guard lock(mutex_);
  sql::Transaction tx(db_->db);
  const PropertyOp* first_new = nullptr;  // the one to blame when the count is exceeded
  for (const PropertyOp& op : ops) {
    if (op.kind == PropertyOp::Kind::Set) {
      if (first_new == nullptr) {
        Reset r{db_->exists};
        db_->exists.bind(1, file_id).bind(2, op.ns).bind(3, op.name);
        if (!db_->exists.step()) first_new = &op;
      }
      Reset r{db_->upsert};
      db_->upsert.bind(1, file_id).bind(2, op.ns).bind(3, op.name).bind(4, op.value_xml).run();
    } else {
      Reset r{db_->remove};
      db_->remove.bind(1, file_id).bind(2, op.ns).bind(3, op.name).run();
    }
  }
  if (first_new != nullptr) {
    Reset r{db_->count};
    db_->count.bind(1, file_id);
    db_->count.step();
    const auto n = static_cast<std::size_t>(db_->count.integer(0));
    if (n > limits_.max_per_resource)  // the transaction rolls back as the exception leaves
      throw PropertyLimitExceeded(PropertyLimitExceeded::Reason::TooManyProperties, first_new->ns, first_new->name,
                                  "a resource may have at most " + std::to_string(limits_.max_per_resource) +
                                      " dead properties");
  }
  if (times.mtime || times.ctime) {
    Reset r{db_->set_times};
    bind_times(db_->set_times, file_id, times);
    db_->set_times.run();
  }
  tx.commit();
}

void PropertyStore::set_mtime(const std::string& file_id, std::int64_t mtime) {
  std::lock_guard lock(mutex_);
  Reset r{db_->set_times};
  bind_times(db_->set_times, file_id, ClientTimes{mtime, std::nullopt});
  db_->set_times.run();
}

std::unordered_map<std::string, ClientTimes> PropertyStore::get_times(const std::vector<std::string>& file_ids) {
  std::lock_guard lock(mutex_);
  std::unordered_map<std::string, ClientTimes> out;
  for_chunks(db_->db, db_->max_variables, file_ids, "SELECT file_id, mtime, ctime FROM client_times WHERE file_id IN ",
             "", [&](sql::Statement& st) {
               while (st.step()) {
                 ClientTimes& t = out[std::string(st.text(0))];
                 if (!st.is_null(1)) t.mtime = st.integer(1);
                 if (!st.is_null(2)) t.ctime = st.integer(2);
               }
             });
  return out;
}

std::unordered_map<std::string, std::int64_t> PropertyStore::get_mtimes(const std::vector<std::string>& file_ids) {
  std::unordered_map<std::string, std::int64_t> out;
  for (auto& [id, t] : get_times(file_ids))
    if (t.mtime) out.emplace(id, *t.mtime);
  return out;
}

void PropertyStore::copy_all(const std::string& from_id, const std::string& to_id) {
  if (from_id == to_id) return;
  std::lock_guard lock(mutex_);
  sql::Transaction tx(db_->db);
  {
    Reset r{db_->forget_props};
    db_->forget_props.bind(1, to_id).run();
  }
  {
    Reset r{db_->copy};
    db_->copy.bind(1, from_id).bind(2, to_id).run();
  }
  tx.commit();
}

bool PropertyStore::has_any() {
  std::lock_guard lock(mutex_);
  return db_->db.query_int(
             "SELECT EXISTS (SELECT 1 FROM dead_properties) OR EXISTS (SELECT 1 FROM client_times)") != 0;
}

void PropertyStore::forget(const std::string& file_id) { forget_all({file_id}); }

void PropertyStore::forget_all(const std::vector<std::string>& file_ids) {
  if (file_ids.empty()) return;
  std::lock_guard lock(mutex_);
  sql::Transaction tx(db_->db);
  for (const std::string& id : file_ids) {
    {
      Reset r{db_->forget_props};
      db_->forget_props.bind(1, id).run();
    }
    Reset r{db_->forget_times};
    db_->forget_times.bind(1, id).run();
  }
  tx.commit();
}

}  // namespace dav115::store
