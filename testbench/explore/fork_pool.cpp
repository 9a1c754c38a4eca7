#include "explore/fork_pool.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>

namespace fusemax {
namespace {

constexpr char kFailed = 'E', kSucceeded = 'O';

void write_all(int fd, const std::string& s) {
    std::size_t at = 0;
    while (at < s.size()) {
        const ssize_t n = ::write(fd, s.data() + at, s.size() - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        at += static_cast<std::size_t>(n);
    }
}

// The child: runs the task, sends a status byte and the text, and leaves without running the
// parent's exit handlers (SystemC's and the sanitizers' belong to the parent).
[[noreturn]] void child(int fd, std::size_t i, const std::function<std::string(std::size_t)>& task) {
    std::string message;
    char status = kSucceeded;
    try {
        message = task(i);
    } catch (const std::exception& e) {
        status = kFailed;
        message = e.what();
    } catch (...) {
        status = kFailed;
        message = "unknown exception";
    }
    std::fflush(stdout);
    std::fflush(stderr);
    write_all(fd, std::string(1, status) + message);
    ::close(fd);
    ::_exit(0);
}

struct Running {
    std::size_t task;
    pid_t pid;
    std::string received;
};

}  // namespace

std::vector<ForkResult> run_forked(std::size_t count, unsigned workers,
                                   const std::function<std::string(std::size_t)>& task,
                                   const std::function<void(std::size_t, const ForkResult&)>& done,
                                   const std::function<bool(std::size_t)>& skip,
                                   const std::function<bool(std::size_t)>& ready) {
    std::vector<ForkResult> results(count);
    std::map<int, Running> running;  // by the read end of its pipe
    std::size_t next = 0;
    workers = workers ? workers : 1;
    std::fflush(stdout);
    std::fflush(stderr);
    while (next < count || !running.empty()) {
        while (next < count && running.size() < workers) {
            if (ready && !running.empty() && !ready(next)) break;  // wait for what it depends on
            if (skip && skip(next)) {
                results[next++].skipped = true;
                continue;
            }
            int fds[2];
            if (::pipe(fds) != 0) throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
            const pid_t pid = ::fork();
            if (pid < 0) throw std::runtime_error(std::string("cannot fork a worker: ") + std::strerror(errno));
            if (pid == 0) {
                ::close(fds[0]);
                child(fds[1], next, task);
            }
            ::close(fds[1]);
            running[fds[0]] = {next++, pid, {}};
        }
        if (running.empty()) continue;  // the rest were skipped
        std::vector<pollfd> polled;
        for (const auto& [fd, r] : running) polled.push_back({fd, POLLIN, 0});
        if (::poll(polled.data(), polled.size(), -1) < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
        }
        for (const pollfd& p : polled) {
            if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
            Running& r = running[p.fd];
            char buffer[65536];
            const ssize_t n = ::read(p.fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0) {
                r.received.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            // End of the child's output: collect it.
            ::close(p.fd);
            int status = 0;
            while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
            }
            ForkResult& out = results[r.task];
            if (!r.received.empty() && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                out.ok = r.received[0] == kSucceeded;
                out.output = r.received.substr(1);
            } else {
                out.ok = false;
                out.output = WIFSIGNALED(status) ? "the worker died of signal " + std::to_string(WTERMSIG(status))
                                                 : "the worker ended without a result (exit status " +
                                                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
            }
            const std::size_t index = r.task;
            running.erase(p.fd);
            if (done) done(index, out);
        }
    }
    return results;
}

}  // namespace fusemax
