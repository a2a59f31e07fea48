#include "dav115/webdav/propfind_body.hpp"

#include "dav115/serve/path_codec.hpp"

namespace dav115::webdav {

PropfindBody::PropfindBody(const PropfindRequest& request, Parts parts)
    : parts_(std::move(parts)),
      children_href_(parts_.parent_href),
      writer_(request, 1 + (parts_.listing ? parts_.listing->entries.size() : 0)) {
  if (!parts_.self_segment.empty()) {
    serve::append_encoded_segment(children_href_, parts_.self_segment);
    children_href_ += '/';
  }
}

const std::vector<store::DeadProperty>* PropfindBody::dead_of(const std::string& id) const {
  if (!parts_.dead) return nullptr;
  auto it = parts_.dead->find(id);
  return it == parts_.dead->end() ? nullptr : &it->second;
}

void PropfindBody::render(std::size_t bytes) {
  const std::size_t children = parts_.listing ? parts_.listing->entries.size() : 0;
  while (!closed_ && writer_.pending() < bytes) {
    if (next_ == 0) {
      const vfs::Quota* quota = parts_.quota ? &*parts_.quota : nullptr;
      writer_.add(parts_.parent_href, parts_.self_segment, parts_.self, parts_.self_is_root, quota,
                  dead_of(parts_.self.id));
    } else if (next_ <= children) {
      const vfs::Node& child = parts_.listing->entries[next_ - 1];
      writer_.add(children_href_, child.name, child, false, nullptr, dead_of(child.id));
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
