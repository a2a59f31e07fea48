#include "dav115/webdav/propfind_body.hpp"

#include "dav115/serve/path_codec.hpp"

namespace dav115::webdav {

std::string PropfindBody::children_href_of(const Parts& parts) {
  std::string href = parts.parent_href;
  if (!parts.self_segment.empty()) {
    serve::append_encoded_segment(href, parts.self_segment);
    href += '/';
  }
  return href;
}

PropfindBody::PropfindBody(const PropfindRequest& request, Parts parts)
    : parts_(std::move(parts)),
      children_href_(children_href_of(parts_)),
      writer_(request, 1 + (parts_.listing ? parts_.listing->entries.size() : 0)) {}

bool PropfindBody::has_client_state(const std::string& id) const {
  return dead_of(id) != nullptr || (parts_.times && parts_.times->count(id) != 0);
}

const std::vector<store::DeadProperty>* PropfindBody::dead_of(const std::string& id) const {
  if (!parts_.dead) return nullptr;
  auto it = parts_.dead->find(id);
  return it == parts_.dead->end() ? nullptr : &it->second;
}

const vfs::Node& PropfindBody::with_client_times(const vfs::Node& node) {
  if (!parts_.times) return node;
  auto it = parts_.times->find(node.id);
  if (it == parts_.times->end()) return node;
  retimed_ = node;
  if (it->second.mtime) retimed_.mtime = *it->second.mtime;
  if (it->second.ctime) retimed_.ctime = *it->second.ctime;
  return retimed_;
}

void PropfindBody::render(std::size_t bytes) {
  const std::size_t children = parts_.listing ? parts_.listing->entries.size() : 0;
  while (!closed_ && writer_.pending() < bytes) {
    if (next_ == 0) {
      const vfs::Quota* quota = parts_.quota ? &*parts_.quota : nullptr;
      writer_.add(parts_.parent_href, parts_.self_segment, with_client_times(parts_.self), parts_.self_is_root,
                  quota, dead_of(parts_.self.id));
    } else if (next_ <= children) {
      const vfs::Node& child = parts_.listing->entries[next_ - 1];
      if (parts_.rendered && !has_client_state(child.id))
        writer_.add_rendered(parts_.rendered->piece(next_ - 1));
      else
        writer_.add(children_href_, child.name, with_client_times(child), false, nullptr, dead_of(child.id));
    } else {
      writer_.close();
      closed_ = true;
      break;
    }
    ++next_;
  }
}

std::string PropfindBody::take_all() { return writer_.release(); }

boost::asio::awaitable<std::size_t> PropfindBody::read(boost::asio::mutable_buffer buf) {
  render(buf.size());
  co_return writer_.take(static_cast<char*>(buf.data()), buf.size());
}

}  // namespace dav115::webdav
