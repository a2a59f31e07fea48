#pragma once
// Dead properties (RFC 4918 §4: what clients PROPPATCH and we only keep) and the modification/creation
// times clients set, in <state_dir>/dav115.db, keyed by the storage's opaque file id. 115 keeps
// neither, so without this store Windows, Finder and rclone lose what they set right after an upload.
//
// Calls are synchronous and may wait for the disk: call them from a blocking pool, never from an I/O
// thread (PropertyStoreAsync does that). One connection, serialised by a mutex.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace dav115::store {

struct DeadProperty {
  std::string ns;         // namespace URI, "" for none
  std::string name;       // local name
  std::string value_xml;  // the whole property element, self-contained (it declares what it uses)
  bool operator==(const DeadProperty&) const = default;
};

struct PropertyOp {
  enum class Kind { Set, Remove };
  Kind kind = Kind::Set;
  std::string ns;
  std::string name;
  std::string value_xml;  // Set only
};

// Times a client set (PROPPATCH of getlastmodified or Win32LastModifiedTime / Win32CreationTime).
struct ClientTimes {
  std::optional<std::int64_t> mtime;  // unix seconds
  std::optional<std::int64_t> ctime;
  bool operator==(const ClientTimes&) const = default;
};

struct PropertyLimits {
  std::size_t max_value_bytes = 64 * 1024;   // one property element
  std::size_t max_per_resource = 256;        // dead properties of one file id
};

// A PROPPATCH that would exceed PropertyLimits: nothing of it was applied. RFC 4918 §9.2.1 answers
// 507 (Insufficient Storage) for the property named here, 424 for the others of the request.
struct PropertyLimitExceeded : std::runtime_error {
  enum class Reason { ValueTooLarge, TooManyProperties };
  PropertyLimitExceeded(Reason reason, std::string ns, std::string name, const std::string& what)
      : std::runtime_error(what), reason(reason), ns(std::move(ns)), name(std::move(name)) {}
  Reason reason;
  std::string ns;    // the property that did not fit: the oversized one, or the first new one
  std::string name;  // past the per-resource count
};

class PropertyStore {
 public:
  // Opens (creating) `<state_dir>/dav115.db`; the directory must exist. Never throws for a damaged
  // file: it is moved aside (dav115.db.corrupt-<unix time>) with a warning and a fresh one is used.
  explicit PropertyStore(const std::filesystem::path& state_dir, PropertyLimits limits = {});
  ~PropertyStore();
  PropertyStore(const PropertyStore&) = delete;
  PropertyStore& operator=(const PropertyStore&) = delete;

  static std::filesystem::path database_file(const std::filesystem::path& state_dir) {
    return state_dir / "dav115.db";
  }
  const PropertyLimits& limits() const { return limits_; }

  // Ordered by (ns, name). Empty when the file has none.
  std::vector<DeadProperty> get_properties(const std::string& file_id);
  // Batched for a Depth: 1 listing: one query (per 32,766 ids). Ids without properties are absent.
  std::unordered_map<std::string, std::vector<DeadProperty>> get_properties(const std::vector<std::string>& file_ids);

  // Applies `ops` in order (a later op on the same name wins) and `times`' set fields, in one
  // transaction: all of it or, on any exception, none. Throws PropertyLimitExceeded.
  void apply_patch(const std::string& file_id, const std::vector<PropertyOp>& ops, const ClientTimes& times = {});

  void set_mtime(const std::string& file_id, std::int64_t mtime);
  // Ids with a client-set mtime, to their mtime.
  std::unordered_map<std::string, std::int64_t> get_mtimes(const std::vector<std::string>& file_ids);
  // Ids with any client-set time, to their times.
  std::unordered_map<std::string, ClientTimes> get_times(const std::vector<std::string>& file_ids);

  // Whether any file has a dead property or a client-set time: while none does, a PROPFIND needs
  // no trip to the database at all.
  bool has_any();

  // COPY: `to_id` gets exactly `from_id`'s dead properties (its own are replaced). Client-set times
  // are not copied: the copy is a new resource, with the time 115 gives it.
  void copy_all(const std::string& from_id, const std::string& to_id);
  // DELETE: drops the file's properties and times. MOVE keeps the file id on 115: nothing to do.
  void forget(const std::string& file_id);
  void forget_all(const std::vector<std::string>& file_ids);

 private:
  struct Db;
  PropertyLimits limits_;
  std::mutex mutex_;
  std::unique_ptr<Db> db_;
};

}  // namespace dav115::store
