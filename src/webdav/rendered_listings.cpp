#include "dav115/webdav/rendered_listings.hpp"

#include <algorithm>

#include "dav115/webdav/multistatus.hpp"

namespace dav115::webdav {

std::string RenderedListings::key_of(const PropfindRequest& request, const std::string& children_href) {
  // The writer's output depends on the mode and on the properties in order (their prefixes X0, X1, ...
  // follow the order of first use), and the pieces carry the href. Each namespace URI goes in once and
  // properties name it by number: a request may name thousands of properties in one 30 KB namespace.
  std::string key = children_href;
  key += '\n';
  key += static_cast<char>('0' + static_cast<int>(request.mode));
  std::vector<std::string_view> namespaces;
  for (const auto& p : request.props) {
    auto it = std::find(namespaces.begin(), namespaces.end(), p.ns);
    if (it == namespaces.end()) {
      namespaces.push_back(p.ns);
      key += "\n=";
      key += p.ns;
      it = namespaces.end() - 1;
    }
    key += '\n';
    key += std::to_string(it - namespaces.begin());
    key += '\t';
    key += p.local;
  }
  return key;
}

std::shared_ptr<const RenderedChildren> RenderedListings::get(const PropfindRequest& request,
                                                              const std::string& children_href,
                                                              const std::shared_ptr<const vfs::Listing>& listing) {
  if (max_bytes_ == 0 || !listing) return nullptr;
  const std::string key = key_of(request, children_href);
  std::shared_ptr<const RenderedChildren> previous;
  {
    std::lock_guard lk(mu_);
    if (auto it = slots_.find(key); it != slots_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      if (it->second.rendered->listing->version == listing->version) {
        ++stats_.hits;
        return it->second.rendered;
      }
      previous = it->second.rendered;
    }
    if (auto it = too_big_.find(key); it != too_big_.end() && it->second == listing->version) return nullptr;
    // One rendering per key at a time; a request meanwhile renders its own answer as the client reads.
    if (!rendering_.insert(key).second) return nullptr;
  }
  struct Done {
    RenderedListings* self;
    const std::string& key;
    ~Done() {
      std::lock_guard lk(self->mu_);
      self->rendering_.erase(key);
    }
  } done{this, key};

  // Outside the lock: rendering a large folder takes milliseconds. Two requests racing here both render;
  // the later store wins, and both answers are right.
  std::unordered_map<std::string_view, std::size_t> previous_by_id;
  if (previous) {
    previous_by_id.reserve(previous->listing->entries.size());
    for (std::size_t i = 0; i < previous->listing->entries.size(); ++i)
      previous_by_id.emplace(previous->listing->entries[i].id, i);
  }
  auto rendered = std::make_shared<RenderedChildren>();
  rendered->listing = listing;
  rendered->ends.reserve(listing->entries.size());
  MultistatusWriter writer(request, 0);
  std::uint64_t reused = 0, fresh = 0;
  for (const vfs::Node& child : listing->entries) {
    std::string_view piece;
    if (auto it = previous_by_id.find(child.id); it != previous_by_id.end() &&
                                                 previous->listing->entries[it->second] == child) {
      piece = previous->piece(it->second);
      ++reused;
    } else {
      writer.add(children_href, child.name, child, false);
      piece = writer.last_added();
      ++fresh;
    }
    rendered->xml.append(piece);
    rendered->ends.push_back(rendered->xml.size());
    writer.discard();
    // The first entry tells the size to expect (entries differ little): a request naming thousands of
    // long properties is refused after one entry, not after half the budget.
    const bool expect_too_big =
        rendered->ends.size() == 1 && rendered->xml.size() * listing->entries.size() > max_bytes_ / 2;
    if (expect_too_big || rendered->xml.size() > max_bytes_ / 2) {
      // Too big to keep (a huge folder, or a request naming many long properties): that answer is
      // rendered as the client reads it, in bounded memory, and this version is not tried again.
      std::lock_guard lk(mu_);
      if (too_big_.size() >= kMaxTooBig) too_big_.clear();
      too_big_[key] = listing->version;
      ++stats_.too_big;
      stats_.pieces_rendered += fresh;
      return nullptr;
    }
  }
  rendered->xml.shrink_to_fit();

  std::lock_guard lk(mu_);
  if (previous) {
    ++stats_.rebuilds;
    stats_.pieces_reused += reused;
  }
  stats_.pieces_rendered += fresh;
  store_locked(key, rendered);
  return rendered;
}

void RenderedListings::store_locked(const std::string& key, std::shared_ptr<const RenderedChildren> rendered) {
  if (auto it = slots_.find(key); it != slots_.end()) {
    stats_.bytes -= it->second.rendered->xml.size();
    lru_.erase(it->second.lru);
    slots_.erase(it);
  }
  stats_.bytes += rendered->xml.size();
  lru_.push_front(key);
  slots_.emplace(key, Slot{std::move(rendered), lru_.begin()});
  while (stats_.bytes > max_bytes_ && !lru_.empty()) {
    auto victim = slots_.find(lru_.back());
    stats_.bytes -= victim->second.rendered->xml.size();
    slots_.erase(victim);
    lru_.pop_back();
  }
}

RenderedListings::Stats RenderedListings::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

}  // namespace dav115::webdav
