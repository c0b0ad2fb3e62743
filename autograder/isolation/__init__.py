"""What a kernel can do to the machine: the bubblewrap sandbox, cgroups and rlimits, and the
fork server that starts sandboxed kernels fast."""
