// critest's nonewprivs stand-in: installed setuid root as an image's
// entrypoint, it says which effective uid it runs with, as the image
// registry.k8s.io/e2e-test-images/nonewprivs does ("Effective uid: 0" when the
// setuid bit took effect, the caller's uid under no_new_privs).
#include <unistd.h>

#include <cstdio>

int main() {
  std::printf("Effective uid: %u\n", static_cast<unsigned>(geteuid()));
  return 0;
}
