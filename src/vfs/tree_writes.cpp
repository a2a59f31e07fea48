// Tree's writes: each is one or two 115 calls, then the change is recorded as pending (so listings show
// it at once and keep showing it while 115's own listings lag) and patched into the cached listings.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ctime>

#include "tree_impl.hpp"

namespace dav115::vfs {
namespace {

cloud115::CallOptions interactive(Deadline deadline) { return {cloud115::Priority::Interactive, deadline}; }

cloud115::Entry entry_of(const Node& n, const std::string& parent_id) {
  cloud115::Entry e;
  e.id = n.id;
  e.parent_id = parent_id;
  e.name = n.name;
  e.is_dir = n.is_dir;
  e.size = n.size;
  e.mtime = n.mtime;
  e.ctime = n.ctime;
  e.sha1 = n.sha1;
  e.pick_code = n.pick_code;
  return e;
}

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

BackendError outcome_unknown(const std::string& what) {
  return BackendError(BackendError::Kind::Unavailable, what + ": 115 did not answer and does not show it yet",
                      std::chrono::seconds(2));
}

const Node* find_by_id(const Listing& l, const std::string& id) {
  for (const auto& n : l.entries)
    if (n.id == id) return &n;
  return nullptr;
}

// What a failed write call means for the client. NotFound: the object (or its folder) is gone.
struct WriteFailure {
  std::optional<BackendError> backend;
  bool not_found = false;
  bool exists = false;
  bool uncertain = false;
  void set(const cloud115::ApiError& e) {
    if (e.uncertain) uncertain = true;
    else if (e.kind == cloud115::ErrorKind::NotFound) not_found = true;
    else if (e.kind == cloud115::ErrorKind::AlreadyExists) exists = true;
    else backend = to_backend_error(e);
  }
  // Throws for everything but `uncertain`, which the caller resolves by looking.
  void raise(const std::string& what) const {
    if (backend) throw *backend;
    if (not_found) throw NotFoundError(what + ": 115 says the object or its folder is gone");
    if (exists) throw AlreadyExistsError(what + ": the name is taken");
  }
};

}  // namespace

void Tree::Impl::write_through(const std::string& folder_id) {
  auto previous = cache.peek(folder_id);
  if (!previous) {
    // Not cached: the next read fetches it, and the pending writes apply there. An indexed listing
    // would miss this write after a restart (the pending writes are not kept): drop it.
    distrust_index(folder_id);
    return;
  }
  std::vector<cloud115::Entry> entries;
  entries.reserve(previous->entries.size() + 1);
  for (const auto& n : previous->entries) entries.push_back(entry_of(n, folder_id));
  pending.apply(folder_id, entries, clock(), /*from_upstream=*/false);
  cache.store(folder_id, build_listing(entries, previous.get(), previous->fetched_at));
  remember(folder_id, entries, previous->fetched_at);
}

asio::awaitable<Tree::Impl::Ptr> Tree::Impl::fetch_now(std::string folder_id, Deadline deadline) {
  std::vector<cloud115::Entry> entries;
  auto request = cache.next_request();
  try {
    auto listing_call = api.list_folder(folder_id, interactive(deadline));
    entries = co_await std::move(listing_call);
  } catch (const cloud115::ApiError& e) {
    if (e.kind == cloud115::ErrorKind::NotFound) throw NotFoundError("folder vanished upstream");
    throw to_backend_error(e);
  }
  pending.apply(folder_id, entries, clock(), /*from_upstream=*/true);
  auto previous = cache.peek(folder_id);
  auto built = build_listing(entries, previous.get(), clock());
  auto listing = cache.store_fetched(folder_id, built, request);
  if (listing == built) remember(folder_id, entries, built->fetched_at);
  co_return listing;
}

asio::awaitable<void> Tree::Impl::retire(Node parent, Node old, Deadline deadline) {
  bool removed = true;
  try {
    auto removing = api.remove({old.id}, parent.id, interactive(deadline));
    co_await std::move(removing);
  } catch (const cloud115::ApiError& e) {
    // Failed, or unknown whether it happened: nothing is hidden, so the next listing shows the truth
    // (both objects, or only the new one) rather than a guess.
    removed = false;
    spdlog::warn("vfs: the replaced object {} ({}) may not have gone to the recycle bin: {}", old.name, old.id,
                 e.what());
  }
  if (removed) pending.removed(parent.id, old.id, clock());
}

asio::awaitable<Node> Tree::Impl::make_folder(Node parent, std::string name, Deadline deadline) {
  cloud115::Entry made;
  WriteFailure failure;
  try {
    auto creating = api.make_folder(parent.id, name, interactive(deadline));
    made = co_await std::move(creating);
  } catch (const cloud115::ApiError& e) {
    failure.set(e);
  }
  failure.raise("creating folder " + name);
  if (failure.uncertain) {
    auto looking = fetch_now(parent.id, deadline);
    auto listing = co_await std::move(looking);
    const Node* found = listing->find(util::nfc(name));
    if (!found || !found->is_dir) throw outcome_unknown("creating folder " + name);
    made = entry_of(*found, parent.id);
  }
  made.parent_id = parent.id;
  made.is_dir = true;
  if (made.name.empty()) made.name = name;
  if (!made.mtime) made.mtime = made.ctime = unix_now();
  pending.added(parent.id, made, clock());
  write_through(parent.id);
  cache.store(made.id, build_listing({}, nullptr, clock()));  // new and empty: no need to ask 115
  remember(made.id, {}, clock());
  co_return to_node(made, made.name);
}

asio::awaitable<Node> Tree::Impl::put_file(Node parent, std::string name, StagedUpload upload,
                                           std::optional<Node> replacing, Deadline deadline) {
  cloud115::UploadResult result;
  WriteFailure failure;
  try {
    auto uploading = api.upload({upload.path, upload.size, upload.sha1, upload.pre_sha1}, parent.id, name,
                                interactive(deadline));
    result = co_await std::move(uploading);
  } catch (const cloud115::ApiError& e) {
    failure.set(e);
  }
  failure.raise("uploading " + name);
  // An upload whose end never answered is not shown as saved: the client retries, 115 deduplicates.
  if (failure.uncertain) throw outcome_unknown("uploading " + name);
  cloud115::Entry e = std::move(result.entry);
  e.parent_id = parent.id;
  e.is_dir = false;
  if (e.name.empty()) e.name = name;
  if (!e.size) e.size = upload.size;
  if (e.sha1.empty()) e.sha1 = upload.sha1;
  if (!e.mtime) e.mtime = e.ctime = unix_now();
  pending.added(parent.id, e, clock());
  if (replacing && replacing->id != e.id) {
    auto retiring = retire(parent, *replacing, deadline);
    co_await std::move(retiring);
  }
  write_through(parent.id);
  co_return to_node(e, e.name);
}

asio::awaitable<void> Tree::Impl::remove(Node parent, Node node, Deadline deadline) {
  WriteFailure failure;
  try {
    auto removing = api.remove({node.id}, parent.id, interactive(deadline));
    co_await std::move(removing);
  } catch (const cloud115::ApiError& e) {
    failure.set(e);
  }
  failure.raise("deleting " + node.name);
  if (failure.uncertain) {
    auto looking = fetch_now(parent.id, deadline);
    auto listing = co_await std::move(looking);
    if (find_by_id(*listing, node.id)) throw outcome_unknown("deleting " + node.name);
  }
  pending.removed(parent.id, node.id, clock());
  write_through(parent.id);
  if (node.is_dir) forget(node.id);
}

asio::awaitable<Node> Tree::Impl::move(Node from, Node node, Node to, std::string name, std::optional<Node> replacing,
                                       Deadline deadline) {
  WriteFailure failure;
  if (from.id != to.id) {
    try {
      auto moving = api.move({node.id}, to.id, interactive(deadline));
      co_await std::move(moving);
    } catch (const cloud115::ApiError& e) {
      failure.set(e);
    }
    failure.raise("moving " + node.name);
    if (failure.uncertain) {
      auto looking = fetch_now(to.id, deadline);
      auto listing = co_await std::move(looking);
      if (!find_by_id(*listing, node.id)) throw outcome_unknown("moving " + node.name);
    }
    pending.removed(from.id, node.id, clock());
    cloud115::Entry moved = entry_of(node, to.id);
    pending.added(to.id, moved, clock());  // under its old name until the rename below
  }
  if (name != node.name) {
    failure = {};
    try {
      auto renaming = api.rename(node.id, name, interactive(deadline));
      co_await std::move(renaming);
    } catch (const cloud115::ApiError& e) {
      failure.set(e);
    }
    if (failure.uncertain) {
      // Ask 115 for the object itself: its name says whether the rename happened.
      std::optional<cloud115::Entry> info;
      try {
        auto asking = api.get_info(node.id, interactive(deadline));
        info = co_await std::move(asking);
      } catch (const cloud115::ApiError&) {
      }
      if (!info || info->name != name) failure.backend = outcome_unknown("renaming " + node.name);
    }
    // Moved but not renamed: show it where it is now, then report the failure.
    if (failure.backend || failure.not_found || failure.exists) {
      write_through(from.id);
      write_through(to.id);
    }
    failure.raise("renaming " + node.name + " to " + name);
  }
  cloud115::Entry e = entry_of(node, to.id);
  e.name = name;
  pending.added(to.id, e, clock());
  if (replacing && replacing->id != node.id) {
    auto retiring = retire(to, *replacing, deadline);
    co_await std::move(retiring);
  }
  write_through(from.id);
  if (to.id != from.id) write_through(to.id);
  co_return to_node(e, name);
}

asio::awaitable<Node> Tree::Impl::copy(Node node, Node to, std::string name, std::optional<Node> replacing,
                                       Deadline deadline) {
  // 115's copy does not say which id the copy got: compare the target's listing before and after.
  auto before_call = listing_of(to.id, deadline);
  Ptr before = co_await std::move(before_call);
  WriteFailure failure;
  try {
    auto copying = api.copy({node.id}, to.id, interactive(deadline));
    co_await std::move(copying);
  } catch (const cloud115::ApiError& e) {
    failure.set(e);
  }
  failure.raise("copying " + node.name);
  std::optional<Node> made;
  // 115 may list the copy a moment late: look up to three times, a second apart.
  for (int attempt = 0; attempt < 3 && !made; ++attempt) {
    if (attempt > 0) {
      asio::steady_timer pause(ex, std::chrono::seconds(1));
      co_await pause.async_wait(asio::use_awaitable);
    }
    auto looking = fetch_now(to.id, deadline);
    Ptr after = co_await std::move(looking);
    for (const auto& n : after->entries) {
      if (find_by_id(*before, n.id) || n.is_dir != node.is_dir) continue;
      if (!node.is_dir && n.sha1 != node.sha1) continue;
      if (!made || n.name == node.name) made = n;
    }
  }
  if (!made) throw outcome_unknown("copying " + node.name);
  cloud115::Entry e = entry_of(*made, to.id);
  if (made->name != name) {
    failure = {};
    try {
      auto renaming = api.rename(made->id, name, interactive(deadline));
      co_await std::move(renaming);
    } catch (const cloud115::ApiError& err) {
      failure.set(err);
    }
    failure.raise("naming the copy " + name);
    e.name = name;
  }
  e.mtime = e.mtime ? e.mtime : unix_now();
  pending.added(to.id, e, clock());
  if (replacing && replacing->id != e.id) {
    auto retiring = retire(to, *replacing, deadline);
    co_await std::move(retiring);
  }
  write_through(to.id);
  co_return to_node(e, name);
}

// --- Tree's forwarding functions: each keeps Impl alive for the whole write.

asio::awaitable<Node> Tree::make_folder(Node parent, std::string name, Deadline deadline) {
  auto impl = impl_;
  auto op = impl->make_folder(std::move(parent), std::move(name), deadline);
  co_return co_await std::move(op);
}

asio::awaitable<Node> Tree::put_file(Node parent, std::string name, StagedUpload upload,
                                     std::optional<Node> replacing, Deadline deadline) {
  auto impl = impl_;
  auto op = impl->put_file(std::move(parent), std::move(name), std::move(upload), std::move(replacing), deadline);
  co_return co_await std::move(op);
}

asio::awaitable<void> Tree::remove(Node parent, Node node, Deadline deadline) {
  auto impl = impl_;
  auto op = impl->remove(std::move(parent), std::move(node), deadline);
  co_await std::move(op);
}

asio::awaitable<Node> Tree::move(Node from, Node node, Node to, std::string name, std::optional<Node> replacing,
                                 Deadline deadline) {
  auto impl = impl_;
  auto op = impl->move(std::move(from), std::move(node), std::move(to), std::move(name), std::move(replacing),
                       deadline);
  co_return co_await std::move(op);
}

asio::awaitable<Node> Tree::copy(Node node, Node to, std::string name, std::optional<Node> replacing,
                                 Deadline deadline) {
  auto impl = impl_;
  auto op = impl->copy(std::move(node), std::move(to), std::move(name), std::move(replacing), deadline);
  co_return co_await std::move(op);
}

}  // namespace dav115::vfs
