"""The binary route: the call into the runtime allocator at each leaf address, decoded."""
