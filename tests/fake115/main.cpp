// fake115: the 115 passport API, Open API and CDN on one loopback port, for tests. See README.md.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <iostream>
#include <thread>

#include "control.hpp"
#include "faults.hpp"
#include "server.hpp"

using namespace dav115::fake115;

namespace {

nlohmann::json read_fixture(const Options& opts) {
  if (opts.tree_file.empty()) return TreeModel::builtin_fixture();
  std::ifstream in(opts.tree_file);
  if (!in) throw std::runtime_error("cannot read --tree " + opts.tree_file);
  return nlohmann::json::parse(in);
}

std::string make_state_dir(const std::string& wanted) {
  if (!wanted.empty()) {
    std::filesystem::create_directories(wanted);
    return std::filesystem::absolute(wanted).string();
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "fake115-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

void apply_startup_faults(Emulator& emu, const Options& opts) {
  emu.faults.set_latency_ms(opts.latency_ms);
  for (const auto& rule : opts.fail_rules) {
    // PATH:MODE:COUNT, split from the right (paths have no ':')
    auto c2 = rule.rfind(':'), c1 = rule.rfind(':', c2 - 1);
    if (c2 == std::string::npos || c1 == std::string::npos) throw std::invalid_argument("--fail wants PATH:MODE:COUNT");
    auto mode = parse_fault_mode(rule.substr(c1 + 1, c2 - c1 - 1));
    if (!mode) throw std::invalid_argument("--fail: unknown mode in " + rule);
    emu.faults.add_rule(rule.substr(0, c1), *mode, std::stoi(rule.substr(c2 + 1)));
  }
  if (!opts.list_short_pages.empty()) {
    auto c = opts.list_short_pages.find(':');
    emu.faults.set_list_short_pages(std::stoi(opts.list_short_pages.substr(0, c)),
                                    c == std::string::npos ? 1 : std::stoi(opts.list_short_pages.substr(c + 1)));
  }
  emu.faults.set_list_shift(opts.list_shift);
  if (!opts.cdn_cut.empty()) {
    auto c = opts.cdn_cut.find(':');
    emu.faults.set_cdn_cut(std::stoull(opts.cdn_cut.substr(0, c)),
                           c == std::string::npos ? 1 : std::stoi(opts.cdn_cut.substr(c + 1)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  bool dump = false;
  std::string log_level = "warn";
  CLI::App app{"fake115: an emulator of the 115 Open Platform API (passport, proapi, CDN) for tests"};
  app.add_option("--listen", opts.listen, "HOST:PORT to listen on; port 0 picks a free one")->capture_default_str();
  app.add_option("--public-base", opts.public_base, "Base URL put into CDN links (default: the listening URL)");
  app.add_option("--state-dir", opts.state_dir,
                 "Directory for port, base_url, refresh_token, access_token and the SHA-1 cache (default: a new /tmp dir)");
  app.add_option("--tree", opts.tree_file, "Fixture JSON describing the drive (default: a tiny built-in tree)");
  app.add_flag("--include-optional", opts.include_optional, "Also expand generators marked \"optional\" (e.g. 20,000 entries)");
  app.add_option("--max-file-size", opts.max_file_size, "Leave out files bigger than this many bytes");
  app.add_option("--missing-cid", opts.missing_cid, "Listing of an unknown cid: root (answer the root, like 115) or error (430004)")
      ->check(CLI::IsMember({"root", "error"}))
      ->capture_default_str();
  app.add_flag("--dump-tree", dump, "Print the expanded tree as JSON (paths, ids, sizes, mtimes, sha1) and exit");
  app.add_option("--refresh-token", opts.refresh_token, "Initial refresh token (default: generated)");
  app.add_option("--access-token", opts.access_token, "Initial access token (default: generated, valid)");
  app.add_option("--access-ttl", opts.access_ttl, "Access token lifetime, seconds (expires_in)")->capture_default_str();
  app.add_option("--old-access-grace", opts.old_access_grace, "Seconds the previous access token keeps working after a refresh")
      ->capture_default_str();
  app.add_option("--min-refresh-interval", opts.min_refresh_interval,
                 "Refreshing again sooner than this many seconds gives 40140117 (0 = off)")
      ->capture_default_str();
  app.add_option("--app-id", opts.app_id, "The APP ID (client_id) the QR login accepts")->capture_default_str();
  app.add_option("--link-ttl", opts.link_ttl, "CDN link lifetime, seconds")->capture_default_str();
  app.add_option("--cdn-max-conns", opts.cdn_max_conns, "Simultaneous downloads allowed per CDN link (c=; 0 = unlimited)")
      ->capture_default_str();
  app.add_option("--qps", opts.qps, "Token-bucket rate of proapi calls (beyond it: 770004)")->capture_default_str();
  app.add_option("--burst", opts.burst, "Token-bucket size")->capture_default_str();
  app.add_option("--daily-quota", opts.daily_quota, "proapi calls allowed per UTC day (beyond it: 406; 0 = unlimited)")
      ->capture_default_str();
  app.add_option("--latency-ms", opts.latency_ms, "Delay added to every proapi call")->capture_default_str();
  app.add_option("--fail", opts.fail_rules,
                 "PATH:MODE:COUNT: the next COUNT calls to PATH (* = any) fail; MODE is 770004, 406, waf, empty, garbage "
                 "or reset (repeatable). OSS steps are oss:put, oss:initiate, oss:part, oss:complete, oss:abort, oss:callback");
  app.add_option("--cdn-cut", opts.cdn_cut, "BYTES:COUNT: the next COUNT CDN downloads are cut after BYTES body bytes");
  app.add_option("--upload-dir", opts.upload_dir, "Where uploaded bytes are kept (default STATE_DIR/oss; emptied at start)");
  app.add_option("--oss-bucket", opts.oss_bucket, "The OSS bucket upload/init hands out")->capture_default_str();
  app.add_option("--sts-ttl", opts.sts_ttl, "Lifetime of get_token's STS credentials, seconds")->capture_default_str();
  app.add_option("--get-token-shape", opts.get_token_shape,
                 "get_token's data: object, or array (a one-element array, the type the doc gives; seen live by R115)")
      ->check(CLI::IsMember({"object", "array"}))
      ->capture_default_str();
  app.add_option("--sign-check-min", opts.sign_check_min, "Instant uploads of files this big need the sign check (status 7)")
      ->capture_default_str();
  app.add_option("--list-short-pages", opts.list_short_pages,
                 "MAX:COUNT: the next COUNT folder listings return at most MAX entries per page (count unchanged)");
  app.add_option("--list-shift", opts.list_shift,
                 "The next N listing pages after the first answer as if an earlier entry had just been deleted");
  app.add_option("--tls-cert", opts.tls_cert,
                 "PEM certificate chain: also serve everything over HTTPS (on --tls-listen, URL in <state-dir>/tls_base_url) "
                 "and hand out https CDN links");
  app.add_option("--tls-key", opts.tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-listen", opts.tls_listen, "HOST:PORT of the HTTPS listener")->capture_default_str();
  app.add_option("--threads", opts.threads, "I/O threads")->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("fake115");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));

  try {
    auto tree = std::make_shared<const TreeModel>(TreeModel::load(read_fixture(opts), load_options_for(opts)));
    if (dump) {
      Sha1Store store(opts.state_dir.empty() ? "" : make_state_dir(opts.state_dir) + "/sha1-cache.txt");
      std::cout << dump_tree(*tree, [&](const Node& n) { return n.is_dir ? "" : store.get(Emulator::source_of(n)); }).dump(2)
                << std::endl;
      return 0;
    }
    // The Emulator outlives the io_context: sessions destroyed with the context still point at it.
    Emulator emu(opts, make_state_dir(opts.state_dir), tree);
    apply_startup_faults(emu, opts);
    boost::asio::io_context ioc;
    Server server(emu, ioc, opts.listen);
    emu.base_url = "http://" + server.host() + ":" + std::to_string(server.port());
    const std::string plain_url = emu.base_url;
    std::unique_ptr<Server> tls_server;
    if (!opts.tls_cert.empty()) {
      if (opts.tls_key.empty()) throw std::invalid_argument("--tls-cert needs --tls-key");
      tls_server = std::make_unique<Server>(emu, ioc, opts.tls_listen, TlsFiles{opts.tls_cert, opts.tls_key});
      emu.base_url = "https://" + tls_server->host() + ":" + std::to_string(tls_server->port());  // CDN links
      tls_server->start();
    }
    server.start();

    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int sig) {
      spdlog::info("signal {}: stopping", sig);
      ioc.stop();
    });

    write_file_atomically(emu.state_dir + "/port", std::to_string(server.port()) + "\n");
    if (tls_server) write_file_atomically(emu.state_dir + "/tls_base_url", emu.base_url + "\n");
    write_file_atomically(emu.state_dir + "/base_url", plain_url + "\n");  // control endpoints, plain http
    std::cout << "fake115 listening on " << plain_url << (tls_server ? " and " + emu.base_url : "") << std::endl;
    spdlog::info("state dir {}", emu.state_dir);

    std::vector<std::thread> threads;
    for (int i = 1; i < std::max(1, opts.threads); ++i) threads.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : threads) t.join();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
