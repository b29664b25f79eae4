// A kubelet's calls, one per command, against a CRI runtime's socket (what
// crictl does, for the tests in tests/e2e/cri and the density benchmark):
//
//   cri-client --socket PATH [--log-dir DIR] VERB ARGS...
//     version
//     runp NAME POD|CONTAINER                 RunPodSandbox, then waits for READY; prints the id
//     sandbox-status ID                       PodSandboxStatus (verbose): state, ip, info (JSON)
//     stopp ID | rmp ID                       StopPodSandbox | RemovePodSandbox
//     pull IMAGE                              PullImage (with the runtime's own registry credentials)
//     image-status IMAGE                      ImageStatus: id, repo_tags, repo_digests, pinned
//     create SANDBOX-ID NAME POD|CONTAINER CONTAINER-NAME IMAGE CMD...
//                                             CreateContainer in that sandbox (NAME and the pid
//                                             mode rebuild its config, as the kubelet sends it)
//     start ID | stop ID SECONDS | rm ID      StartContainer | StopContainer | RemoveContainer
//     container-status ID                     state, exit_code, reason
//     density COUNT POD|CONTAINER PREFIX      COUNT sandboxes, one after the other: per pod the
//                                             milliseconds from RunPodSandbox to READY, and its id
//
// Output is "key=value" lines; errors go to stderr with the gRPC status, exit 1.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cri_subset.grpc.pb.h"

namespace {

using runtime::v1::ImageService;
using runtime::v1::RuntimeService;

struct Client {
  std::unique_ptr<RuntimeService::Stub> runtime;
  std::unique_ptr<ImageService::Stub> images;
  std::string log_dir;
};

// Every call has a deadline: a runtime that hangs fails the test, never blocks it.
std::unique_ptr<grpc::ClientContext> context(int seconds = 120) {
  auto made = std::make_unique<grpc::ClientContext>();
  made->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return made;
}

[[noreturn]] void failed(const std::string& call, const grpc::Status& status) {
  std::cerr << "error: " << call << ": " << status.error_message() << " (gRPC code " << status.error_code() << ")\n";
  std::exit(1);
}

void check(const std::string& call, const grpc::Status& status) {
  if (!status.ok()) failed(call, status);
}

runtime::v1::NamespaceMode pid_mode(const std::string& mode) {
  if (mode == "POD") return runtime::v1::POD;
  if (mode == "CONTAINER") return runtime::v1::CONTAINER;
  std::cerr << "error: pid mode must be POD or CONTAINER, not " << mode << "\n";
  std::exit(2);
}

// The sandbox config a kubelet sends for a pod named NAME: the pod's own
// network and ipc namespaces, and its pid namespace as the pod asks
// (shareProcessNamespace: POD, the default: CONTAINER).
runtime::v1::PodSandboxConfig sandbox_config(const Client& client, const std::string& name, const std::string& mode) {
  runtime::v1::PodSandboxConfig config;
  auto* metadata = config.mutable_metadata();
  metadata->set_name(name);
  metadata->set_uid(name + "-uid");
  metadata->set_namespace_("default");
  metadata->set_attempt(0);
  config.set_hostname(name);
  if (!client.log_dir.empty()) config.set_log_directory(client.log_dir + "/" + name);
  (*config.mutable_labels())["io.kubernetes.pod.name"] = name;
  auto* namespaces = config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces->set_network(runtime::v1::POD);
  namespaces->set_ipc(runtime::v1::POD);
  namespaces->set_pid(pid_mode(mode));
  return config;
}

runtime::v1::PodSandboxStatusResponse sandbox_status(const Client& client, const std::string& id) {
  runtime::v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(id);
  request.set_verbose(true);
  runtime::v1::PodSandboxStatusResponse response;
  check("PodSandboxStatus", client.runtime->PodSandboxStatus(context(30).get(), request, &response));
  return response;
}

// RunPodSandbox, then PodSandboxStatus until READY (at most 60 s).
std::string run_sandbox(const Client& client, const std::string& name, const std::string& mode) {
  runtime::v1::RunPodSandboxRequest request;
  *request.mutable_config() = sandbox_config(client, name, mode);
  runtime::v1::RunPodSandboxResponse response;
  check("RunPodSandbox", client.runtime->RunPodSandbox(context(180).get(), request, &response));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (sandbox_status(client, response.pod_sandbox_id()).status().state() != runtime::v1::SANDBOX_READY) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "error: sandbox " << response.pod_sandbox_id() << " not READY after 60 s\n";
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return response.pod_sandbox_id();
}

int run(Client& client, const std::vector<std::string>& words) {
  const std::string& verb = words.at(0);
  auto arg = [&](size_t i) -> const std::string& {
    if (i >= words.size()) {
      std::cerr << "error: " << verb << ": missing argument " << i << "\n";
      std::exit(2);
    }
    return words[i];
  };
  if (verb == "version") {
    runtime::v1::VersionRequest request;
    request.set_version("v1");
    runtime::v1::VersionResponse response;
    check("Version", client.runtime->Version(context(30).get(), request, &response));
    std::cout << "runtime_name=" << response.runtime_name() << "\nruntime_version=" << response.runtime_version()
              << "\nruntime_api_version=" << response.runtime_api_version() << "\n";
  } else if (verb == "runp") {
    const std::string id = run_sandbox(client, arg(1), arg(2));
    std::cout << "id=" << id << "\n";
  } else if (verb == "sandbox-status") {
    const auto response = sandbox_status(client, arg(1));
    std::cout << "state=" << runtime::v1::PodSandboxState_Name(response.status().state())
              << "\nip=" << response.status().network().ip() << "\n";
    const auto info = response.info().find("info");
    std::cout << "info=" << (info == response.info().end() ? "{}" : info->second) << "\n";
  } else if (verb == "stopp" || verb == "rmp") {
    if (verb == "stopp") {
      runtime::v1::StopPodSandboxRequest request;
      request.set_pod_sandbox_id(arg(1));
      runtime::v1::StopPodSandboxResponse response;
      check("StopPodSandbox", client.runtime->StopPodSandbox(context().get(), request, &response));
    } else {
      runtime::v1::RemovePodSandboxRequest request;
      request.set_pod_sandbox_id(arg(1));
      runtime::v1::RemovePodSandboxResponse response;
      check("RemovePodSandbox", client.runtime->RemovePodSandbox(context().get(), request, &response));
    }
  } else if (verb == "pull") {
    runtime::v1::PullImageRequest request;
    request.mutable_image()->set_image(arg(1));
    runtime::v1::PullImageResponse response;
    check("PullImage", client.images->PullImage(context(180).get(), request, &response));
    std::cout << "image_ref=" << response.image_ref() << "\n";
  } else if (verb == "image-status") {
    runtime::v1::ImageStatusRequest request;
    request.mutable_image()->set_image(arg(1));
    runtime::v1::ImageStatusResponse response;
    check("ImageStatus", client.images->ImageStatus(context(30).get(), request, &response));
    if (!response.has_image()) {
      std::cout << "present=false\n";
      return 0;
    }
    const auto& image = response.image();
    std::cout << "present=true\nid=" << image.id() << "\n";
    for (const auto& tag : image.repo_tags()) std::cout << "repo_tag=" << tag << "\n";
    for (const auto& digest : image.repo_digests()) std::cout << "repo_digest=" << digest << "\n";
    std::cout << "pinned=" << (image.pinned() ? "true" : "false") << "\n";
  } else if (verb == "create") {
    runtime::v1::CreateContainerRequest request;
    request.set_pod_sandbox_id(arg(1));
    *request.mutable_sandbox_config() = sandbox_config(client, arg(2), arg(3));
    auto* config = request.mutable_config();
    config->mutable_metadata()->set_name(arg(4));
    config->mutable_image()->set_image(arg(5));
    for (size_t i = 6; i < words.size(); ++i) config->add_command(words[i]);
    if (!client.log_dir.empty()) config->set_log_path(arg(4) + ".log");
    auto* env = config->add_envs();
    env->set_key("PATH");
    env->set_value("/bin");
    // As the kubelet does: the container's namespaces follow the pod's.
    *config->mutable_linux()->mutable_security_context()->mutable_namespace_options() =
        request.sandbox_config().linux().security_context().namespace_options();
    runtime::v1::CreateContainerResponse response;
    check("CreateContainer", client.runtime->CreateContainer(context().get(), request, &response));
    std::cout << "id=" << response.container_id() << "\n";
  } else if (verb == "start") {
    runtime::v1::StartContainerRequest request;
    request.set_container_id(arg(1));
    runtime::v1::StartContainerResponse response;
    check("StartContainer", client.runtime->StartContainer(context().get(), request, &response));
  } else if (verb == "stop") {
    runtime::v1::StopContainerRequest request;
    request.set_container_id(arg(1));
    request.set_timeout(std::stoll(arg(2)));
    runtime::v1::StopContainerResponse response;
    check("StopContainer", client.runtime->StopContainer(context().get(), request, &response));
  } else if (verb == "rm") {
    runtime::v1::RemoveContainerRequest request;
    request.set_container_id(arg(1));
    runtime::v1::RemoveContainerResponse response;
    check("RemoveContainer", client.runtime->RemoveContainer(context().get(), request, &response));
  } else if (verb == "container-status") {
    runtime::v1::ContainerStatusRequest request;
    request.set_container_id(arg(1));
    runtime::v1::ContainerStatusResponse response;
    check("ContainerStatus", client.runtime->ContainerStatus(context(30).get(), request, &response));
    std::cout << "state=" << runtime::v1::ContainerState_Name(response.status().state())
              << "\nexit_code=" << response.status().exit_code() << "\nreason=" << response.status().reason() << "\n";
  } else if (verb == "density") {
    const int count = std::stoi(arg(1));
    for (int i = 0; i < count; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const std::string id = run_sandbox(client, arg(3) + std::to_string(i), arg(2));
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::cout << "ready_ms=" << ms << " id=" << id << std::endl;
    }
  } else {
    std::cerr << "error: unknown verb " << verb << " (see the comment at the top of cri_client.cpp)\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  std::string socket;
  Client client;
  while (words.size() >= 2 && words[0].rfind("--", 0) == 0) {
    if (words[0] == "--socket") {
      socket = words[1];
    } else if (words[0] == "--log-dir") {
      client.log_dir = words[1];
    } else {
      break;
    }
    words.erase(words.begin(), words.begin() + 2);
  }
  if (socket.empty() || words.empty()) {
    std::cerr << "usage: cri-client --socket PATH [--log-dir DIR] VERB ARGS... (see cri_client.cpp)\n";
    return 2;
  }
  const auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  client.runtime = RuntimeService::NewStub(channel);
  client.images = ImageService::NewStub(channel);
  return run(client, words);
}
