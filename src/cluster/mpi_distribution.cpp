#include "faultbench/cluster/mpi_distribution.h"

#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "faultbench/campaign/campaign_inputs.h"
#include "faultbench/error.h"

namespace faultbench::cluster {

namespace {

enum Tag : int { kGo = 1, kStop, kReady, kWork, kResult, kFailed };

// How a worker's error travels: its kind, then its message (rank 0 rethrows the same kind,
// so that the exit code is the one a single process gives).
enum ErrorKind : char { kNone = '-', kFormat = 'F', kIo = 'I', kUsage = 'U', kInterrupted = 'X', kOther = 'E' };

struct Message {
  int source = -1, tag = -1;
  std::string bytes;
};

void send(const std::string& bytes, int dest, int tag) {
  MPI_Send(bytes.data(), int(bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

// Open MPI's blocking receive spins a core; a rank waits by polling every millisecond
// instead, so that waiting takes no CPU from the engines' threads.
bool try_receive(int source, Message& m) {
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
  if (!flag) return false;
  int count = 0;
  MPI_Get_count(&st, MPI_BYTE, &count);
  m.source = st.MPI_SOURCE;
  m.tag = st.MPI_TAG;
  m.bytes.assign(size_t(count), '\0');
  MPI_Recv(m.bytes.data(), count, MPI_BYTE, m.source, m.tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return true;
}

Message receive(int source) {
  Message m;
  while (!try_receive(source, m)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return m;
}

void put_i64(std::string& s, int64_t v) { s.append(reinterpret_cast<const char*>(&v), sizeof v); }
int64_t get_i64(const std::string& s, size_t& at) {
  if (at + 8 > s.size()) throw FormatError("MPI message shorter than its contents");
  int64_t v;
  std::memcpy(&v, s.data() + at, 8);
  at += 8;
  return v;
}

std::string encode_error(ErrorKind kind, const std::string& what) { return std::string(1, char(kind)) + what; }

std::string encode_current_error() {
  try {
    throw;
  } catch (const InterruptedError& e) {
    return encode_error(kInterrupted, e.what());
  } catch (const FormatError& e) {
    return encode_error(kFormat, e.what());
  } catch (const IoError& e) {
    return encode_error(kIo, e.what());
  } catch (const UsageError& e) {
    return encode_error(kUsage, e.what());
  } catch (const std::exception& e) {
    return encode_error(kOther, e.what());
  }
}

[[noreturn]] void throw_worker_error(int rank, const std::string& host, const std::string& bytes) {
  const std::string what = fmt::format("rank {} ({}): {}", rank, host, bytes.empty() ? "failed" : bytes.substr(1));
  switch (bytes.empty() ? char(kOther) : bytes[0]) {
    case kFormat: throw FormatError(what);
    case kIo: throw IoError(what);
    case kUsage: throw UsageError(what);
    case kInterrupted: throw InterruptedError(what);
    default: throw Error(what);
  }
}

std::string encode_result(const std::vector<size_t>& batch, const std::vector<FaultCounts>& counts) {
  std::string s;
  put_i64(s, int64_t(batch.size()));
  for (size_t k = 0; k < batch.size(); ++k) {
    put_i64(s, int64_t(batch[k]));
    const FaultCounts& c = counts[k];
    for (int64_t v : {c.masked, c.non_critical, c.critical, c.due, c.top1_correct}) put_i64(s, v);
  }
  return s;
}

}  // namespace

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

MpiSession::MpiSession() {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw Error("MPI: this MPI library cannot run a threaded process (MPI_THREAD_FUNNELED)");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &local_size_);
  MPI_Comm_free(&node);
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(name, &length);
  host_.assign(name, size_t(std::max(0, length)));
}

MpiSession::~MpiSession() { MPI_Finalize(); }

struct MpiDistribution::State {
  enum class Worker { NotStarted, Loading, Busy, Stopped };
  std::vector<Worker> workers;     // by rank (rank 0 unused)
  std::vector<size_t> batch_of;    // the batch a busy rank runs
  std::vector<std::string> hosts;  // as each rank reports it
  int size = 1;
};

MpiDistribution::MpiDistribution(const MpiSession& session) : state_(std::make_unique<State>()) {
  state_->size = session.size();
  state_->workers.assign(size_t(session.size()), State::Worker::NotStarted);
  state_->workers[0] = State::Worker::Stopped;
  state_->batch_of.assign(size_t(session.size()), 0);
  state_->hosts.assign(size_t(session.size()), "?");
}

MpiDistribution::~MpiDistribution() {
  try {
    release_workers();
  } catch (...) {  // nothing more to do: the job ends with rank 0 anyway
  }
}

int MpiDistribution::processes() const { return state_->size; }

void MpiDistribution::release_workers() {
  State& s = *state_;
  for (int r = 1; r < s.size; ++r) {
    // A rank that loads or runs a batch first finishes it: its last message is taken back
    // (and dropped) so that no rank is left blocked sending it.
    while (s.workers[size_t(r)] == State::Worker::Loading || s.workers[size_t(r)] == State::Worker::Busy) {
      const Message m = receive(r);
      if (m.tag == kReady || m.tag == kResult || m.tag == kFailed) s.workers[size_t(r)] = State::Worker::NotStarted;
    }
    if (s.workers[size_t(r)] != State::Worker::Stopped) {
      send("", r, kStop);
      s.workers[size_t(r)] = State::Worker::Stopped;
    }
  }
}

bool MpiDistribution::run(const WorkPlan& plan, CampaignEngine& engine, const BatchDone& on_done,
                          const std::atomic<bool>* stop, const std::function<void(int64_t)>& on_work) {
  State& s = *state_;
  const std::vector<std::vector<size_t>>& batches = *plan.batches;
  const std::string go = plan.binding->to_json().dump();
  for (int r = 1; r < s.size; ++r)
    if (s.workers[size_t(r)] == State::Worker::NotStarted) {
      send(go, r, kGo);
      s.workers[size_t(r)] = State::Worker::Loading;
    }

  // The batches are handed out in plan order to whoever is free: rank 0's own thread or a
  // worker rank. `next` and `handing` are shared with that thread.
  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0;
  bool handing = true, interrupted = false;
  std::atomic<bool> local_stop{false};
  struct LocalDone {
    size_t batch;
    std::vector<FaultCounts> counts;
  };
  std::deque<LocalDone> local_done;
  bool local_finished = false;
  std::exception_ptr local_error;
  auto take = [&]() -> std::optional<size_t> {
    std::lock_guard<std::mutex> lock(mu);
    if (!handing || next >= batches.size()) return std::nullopt;
    return next++;
  };
  std::thread local([&] {
    std::vector<ResolvedFault> sub;
    std::vector<FaultCounts> out;
    bool ok = true;
    try {
      while (const auto b = take()) {
        sub.clear();
        for (size_t i : batches[*b]) sub.push_back((*plan.faults)[i]);
        ok = engine.run(sub, out, &local_stop, on_work);
        if (!ok) break;
        std::lock_guard<std::mutex> lock(mu);
        local_done.push_back({*b, out});
        cv.notify_one();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      local_error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mu);
    local_finished = true;
    if (!ok) interrupted = true;
    cv.notify_one();
  });

  auto stop_handing = [&] {
    std::lock_guard<std::mutex> lock(mu);
    handing = false;
  };
  auto assign = [&](int r) {
    if (const auto b = take()) {
      std::string work;
      for (size_t i : batches[*b]) put_i64(work, int64_t(i));
      send(work, r, kWork);
      s.batch_of[size_t(r)] = *b;
      s.workers[size_t(r)] = State::Worker::Busy;
    } else {
      send("", r, kStop);
      s.workers[size_t(r)] = State::Worker::Stopped;
    }
  };
  auto handle = [&](const Message& m) {
    const int r = m.source;
    State::Worker& w = s.workers.at(size_t(r));
    if (m.tag == kReady && w == State::Worker::Loading) {
      const size_t bar = m.bytes.find('\n');
      s.hosts[size_t(r)] = m.bytes.substr(0, bar);
      const std::string error = bar == std::string::npos ? "" : m.bytes.substr(bar + 1);
      if (!error.empty()) {
        w = State::Worker::NotStarted;  // waits for its stop
        throw_worker_error(r, s.hosts[size_t(r)], error);
      }
      assign(r);
    } else if (m.tag == kResult && w == State::Worker::Busy) {
      const std::vector<size_t>& batch = batches[s.batch_of[size_t(r)]];
      size_t at = 0;
      std::vector<FaultCounts> counts(batch.size());
      if (get_i64(m.bytes, at) != int64_t(batch.size()))
        throw Error(fmt::format("MPI: rank {} answered another batch", r));
      for (size_t k = 0; k < batch.size(); ++k) {
        if (get_i64(m.bytes, at) != int64_t(batch[k]))
          throw Error(fmt::format("MPI: rank {} answered another batch", r));
        FaultCounts& c = counts[k];
        for (int64_t* v : {&c.masked, &c.non_critical, &c.critical, &c.due, &c.top1_correct}) *v = get_i64(m.bytes, at);
      }
      w = State::Worker::NotStarted;
      if (on_work) on_work(int64_t(batch.size()) * plan.binding->images);
      if (!on_done(batch, counts)) stop_handing();
      assign(r);
    } else if (m.tag == kFailed && w == State::Worker::Busy) {
      w = State::Worker::NotStarted;
      throw_worker_error(r, s.hosts[size_t(r)], m.bytes);
    } else {
      throw Error(fmt::format("MPI: unexpected message (tag {}) from rank {}", m.tag, r));
    }
  };

  try {
    for (;;) {
      bool progressed = false;
      std::deque<LocalDone> finished;
      bool local_over = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        finished.swap(local_done);
        local_over = local_finished;
        if (local_error) std::rethrow_exception(local_error);
      }
      for (const LocalDone& d : finished) {
        progressed = true;
        if (!on_done(batches[d.batch], d.counts)) stop_handing();
      }
      Message m;
      while (try_receive(MPI_ANY_SOURCE, m)) {
        progressed = true;
        handle(m);
      }
      if (stop && stop->load()) {
        // A signal: return at once (under mpirun every rank gets it, and after a rank died
        // the job is being torn down), so that rank 0 says what the journal holds. The
        // batches in flight are not journaled; release_workers takes them back before it
        // stops the ranks (a dead one never answers: mpirun ends the job).
        stop_handing();
        local_stop = true;
        local.join();
        return false;
      }
      bool workers_over = true;
      for (int r = 1; r < s.size; ++r) workers_over &= s.workers[size_t(r)] == State::Worker::Stopped;
      if (local_over && finished.empty() && workers_over) {
        std::lock_guard<std::mutex> lock(mu);
        if (local_done.empty()) break;
      }
      if (!progressed) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, std::chrono::milliseconds(1));
      }
    }
  } catch (...) {
    stop_handing();
    local_stop = true;
    local.join();
    throw;
  }
  local.join();
  std::lock_guard<std::mutex> lock(mu);
  return !interrupted;
}

void run_mpi_worker(const MpiSession& session, const CampaignSpec& spec, const std::atomic<bool>* stop) {
  const std::string me = session.host() + "\n";
  Message m = receive(0);
  if (m.tag != kGo) return;  // kStop: the campaign needed no workers (finished, refused)
  std::unique_ptr<CampaignInputs> in;
  std::unique_ptr<CampaignEngine> engine;
  try {
    in = std::make_unique<CampaignInputs>(load_campaign_inputs(spec));
    if (in->binding.to_json().dump() != m.bytes) {
      const CampaignBinding coordinator = CampaignBinding::from_json(nlohmann::json::parse(m.bytes), "rank 0");
      std::string why = coordinator.difference(in->binding);
      throw UsageError(
          fmt::format("its inputs are not rank 0's (the same paths on every node must hold the same "
                      "files): {}",
                      why.empty() ? "their bindings differ" : why));
    }
    EngineOptions options = spec.engine;
    options.weights_name = spec.weights.string();
    engine = std::make_unique<CampaignEngine>(in->graph, in->selected.images, options);
    engine->probe_golden(1);
    send(me, 0, kReady);
  } catch (...) {
    send(me + encode_current_error(), 0, kReady);
    while (receive(0).tag != kStop) {
    }
    return;
  }
  std::vector<ResolvedFault> sub;
  std::vector<FaultCounts> out;
  std::vector<size_t> batch;
  for (;;) {
    m = receive(0);
    if (m.tag != kWork) return;
    batch.clear();
    sub.clear();
    for (size_t at = 0; at < m.bytes.size();) {
      const int64_t p = get_i64(m.bytes, at);
      if (p < 0 || size_t(p) >= in->resolved.size()) throw Error("MPI: rank 0 sent a fault outside the list");
      batch.push_back(size_t(p));
      sub.push_back(in->resolved[size_t(p)]);
    }
    std::string failure;
    try {
      if (!engine->run(sub, out, stop)) failure = encode_error(kInterrupted, "interrupted by a signal");
    } catch (...) {
      failure = encode_current_error();
    }
    if (!failure.empty()) {
      send(failure, 0, kFailed);
      while (receive(0).tag != kStop) {
      }
      return;
    }
    send(encode_result(batch, out), 0, kResult);
  }
}

}  // namespace faultbench::cluster
