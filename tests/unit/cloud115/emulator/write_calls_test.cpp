// The write calls against the real fake115: what they change in its tree, 20004 as AlreadyExists,
// copy/move/delete one at a time, and a write never sent twice once it may have reached 115.
#include <catch2/catch.hpp>

#include "emulator_client.hpp"

using namespace dav115;
using namespace dav115::cloud115;
using namespace cloud115_test;
using dav115::test::Fake115;
using nlohmann::json;

TEST_CASE("make_folder: the new folder is in the tree; the same name again is AlreadyExists (20004)") {
  Fake115 f;
  EmulatorClient c(f);
  const std::string docs = f.entry("docs")["id"];
  Entry made;
  c.run([&]() -> asio::awaitable<void> { made = co_await c.client->make_folder(docs, "new dir", within(5s)); });
  const json e = tree_entry(f, "docs/new dir");
  REQUIRE(e.is_object());
  CHECK(e["is_dir"] == true);
  CHECK(e["id"] == made.id);
  CHECK(made.parent_id == docs);
  CHECK(made.name == "new dir");
  CHECK(made.is_dir);

  auto err = c.error_of([&]() -> asio::awaitable<void> { co_await c.client->make_folder(docs, "new dir", within(5s)); });
  CHECK(err.kind == ErrorKind::AlreadyExists);
  CHECK(err.code == 20004);
  CHECK_FALSE(err.uncertain);
}

TEST_CASE("move, copy, rename and delete show in the emulator's tree") {
  Fake115 f;
  EmulatorClient c(f);
  const std::string hello = f.entry("hello.txt")["id"], docs = f.entry("docs")["id"];
  const std::string empty = f.entry("empty folder")["id"];

  c.run([&]() -> asio::awaitable<void> { co_await c.client->copy(std::vector<std::string>(1, hello), docs, within(5s)); });
  const json copied = tree_entry(f, "docs/hello.txt");
  REQUIRE(copied.is_object());
  CHECK(copied["id"] != hello);
  CHECK(copied["sha1"] == f.entry("hello.txt")["sha1"]);
  CHECK(tree_entry(f, "hello.txt").is_object());  // the original stays

  c.run([&]() -> asio::awaitable<void> { co_await c.client->move(std::vector<std::string>(1, hello), empty, within(5s)); });
  CHECK(tree_entry(f, "hello.txt").is_null());
  CHECK(tree_entry(f, "empty folder/hello.txt")["id"] == hello);

  c.run([&]() -> asio::awaitable<void> { co_await c.client->rename(hello, "renamed.txt", within(5s)); });
  CHECK(tree_entry(f, "empty folder/hello.txt").is_null());
  CHECK(tree_entry(f, "empty folder/renamed.txt")["id"] == hello);

  c.run([&]() -> asio::awaitable<void> { co_await c.client->remove(std::vector<std::string>(1, hello), empty, within(5s)); });
  CHECK(tree_entry(f, "empty folder/renamed.txt").is_null());
  const json sent = f.calls();
  bool saw_delete = false;
  for (const auto& call : sent)
    if (call["path"] == "/open/ufile/delete") {
      saw_delete = true;
      CHECK(call["fields"]["file_ids"] == hello);
      CHECK(call["fields"]["parent_id"] == empty);
    }
  CHECK(saw_delete);
}

TEST_CASE("copy, move and delete run one at a time: each is sent only after the previous one was answered") {
  Fake115 f;
  EmulatorClient c(f);
  const std::string docs = f.entry("docs")["id"], empty = f.entry("empty folder")["id"];
  const std::string hello = f.entry("hello.txt")["id"];
  f.control({{"latency_ms", 150}});  // long enough that overlapping calls would arrive together
  auto one = [&](int i) -> asio::awaitable<void> {
    if (i == 0) co_await c.client->copy(std::vector<std::string>(1, hello), docs, within(10s));
    if (i == 1) co_await c.client->copy(std::vector<std::string>(1, hello), empty, within(10s));
    if (i == 2) co_await c.client->move(std::vector<std::string>(1, hello), docs, within(10s));
  };
  int done = 0, failed = 0;
  c.io.restart();
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(c.io, one(i), [&](std::exception_ptr e) {
      failed += e ? 1 : 0;
      if (++done == 3) c.io.stop();
    });
  c.io.run_for(30s);
  REQUIRE(done == 3);
  CHECK(failed == 0);
  std::vector<json> bulk;
  for (const auto& call : f.calls())
    if (call["path"] == "/open/ufile/copy" || call["path"] == "/open/ufile/move") bulk.push_back(call);
  REQUIRE(bulk.size() == 3);
  std::sort(bulk.begin(), bulk.end(), [](const json& a, const json& b) { return a["arrived"] < b["arrived"]; });
  for (std::size_t i = 1; i < bulk.size(); ++i) {
    INFO("call " << i << " arrived " << bulk[i]["arrived"] << ", previous answered " << bulk[i - 1]["time"]);
    CHECK(bulk[i]["arrived"].get<double>() >= bulk[i - 1]["time"].get<double>());
  }
}

TEST_CASE("a write whose answer never comes is uncertain and was sent exactly once") {
  Fake115 f;
  {
    auto cfg = emulator_cfg(f);
    cfg.request_timeout = 1000ms;
    EmulatorClient c(f, cfg);
    f.control({{"latency_ms", 3000}});  // the answer comes after the client gave up
    auto err = c.error_of([&]() -> asio::awaitable<void> { co_await c.client->make_folder("0", "slow", within(20s)); });
    CHECK(err.kind == ErrorKind::Unavailable);
    CHECK(err.uncertain);
  }  // the client and its connections are gone
  REQUIRE(dav115::test::wait_until([&] { return emulator_quiet(f); }, 15s));
  CHECK(calls_to(f, "/open/folder/add") == 1);
}

TEST_CASE("a write cut off by a reset is uncertain and not sent again; a rate-limit refusal is retried") {
  Fake115 f;
  EmulatorClient c(f);
  f.control({{"fail", {{"path", "/open/folder/add"}, {"mode", "reset"}, {"count", 1}}}});
  auto err = c.error_of([&]() -> asio::awaitable<void> { co_await c.client->make_folder("0", "cut", within(10s)); });
  CHECK(err.uncertain);
  CHECK(calls_to(f, "/open/folder/add") == 1);

  // 770004 means 115 refused it: sent again after the pause, and it works.
  f.control({{"fail", {{"path", "/open/folder/add"}, {"mode", "770004"}, {"count", 1}}}});
  c.run([&]() -> asio::awaitable<void> { co_await c.client->make_folder("0", "refused once", within(10s)); });
  CHECK(tree_entry(f, "refused once").is_object());
  CHECK(calls_to(f, "/open/folder/add") == 3);
}
