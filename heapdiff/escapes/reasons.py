"""The compiler's words -> the contract's reasons, and the advice that fits each reason.

A heap diagnostic's reason is the first rule that matches, in this order: a tag in its flow
(the compiler's own "(too large for stack)", "(captured by a closure)", ...), then what was
allocated (a func literal or a method value is a closure), then where it went (returned,
stored somewhere longer-lived, a variable moved). An allocation the compiler keeps off the
heap only up to a small stack buffer ("does not escape", yet in the profile) is sized at run
time."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .log import Diagnostic

REASONS = ("stored", "returned", "closure", "interface", "nonconstant_size", "too_large",
           "moved_to_heap", "other")

FLOW_TAGS = (  # a step's "(tag)" -> reason; the first tag of this table found wins
    ("(too large for stack)", "too_large"),
    ("(non-constant size)", "nonconstant_size"),
    ("(captured by a closure)", "closure"),
    ("(interface-converted)", "interface"),
    ("... argument (slice-literal-element)", "interface"),  # a variadic ...any argument
)
MESSAGE_TAGS = (  # words in the headline itself (older compilers put the reason there)
    ("too large for stack", "too_large"),
    ("non-constant size", "nonconstant_size"),
)
METHOD_VALUE = re.compile(r"^[\w.()*\[\]]+\.[A-Za-z_]\w*$")
RUNTIME_SIZED = (  # does not escape, but sized at run time: the heap past a stack buffer
    re.compile(r"^make\(\[\].*, [^0-9][^)]*\) does not escape$"),
    re.compile(r"^\(\[\](byte|rune)\)\(.*\) does not escape$"),
    re.compile(r"^append(\(.*\))? does not escape$"),
    re.compile(r"^string\(.*\) does not escape$"),
    re.compile(r"^.* \+ .* does not escape$"),
)
APPEND = re.compile(r"\bappend\(")
# An allocation the compiler names and keeps on the stack (not a parameter or a variable).
STACK_ALLOCATION = re.compile(r"^(&\w|make\(|new\(|func literal|\[\]\w|map\[).* does not escape$")

ADVICE = {
    "stored": "it outlives the call because it is stored in a longer-lived place: keep values, "
              "not pointers, there (pass by value), or reuse the objects (sync.Pool)",
    "returned": "returning a pointer sends it to the heap: return the value, or let the caller "
                "pass in the memory to fill",
    "closure": "the closure (or method value) is allocated: hoist it out of the hot path, or "
               "call the method directly instead of storing a func value",
    "interface": "converting to an interface boxes the value: avoid it on the hot path (typed "
                 "logger fields, strconv instead of fmt)",
    "nonconstant_size": "the size is known only at run time: preallocate with a constant size "
                        "(make([]T, 0, N)) or reuse a buffer (sync.Pool for per-request scratch)",
    "too_large": "too large for the stack: reuse one buffer (a field, or sync.Pool) instead of "
                 "a fresh one per call",
    "moved_to_heap": "the variable's address outlives the call: pass it by value, or keep the "
                     "pointer from escaping",
    "other": "the compiler's flow shows where it escapes: break that flow, or reuse the "
             "objects (sync.Pool)",
}


DETAIL_STEP = {  # reason -> the flow step that says where the value went
    "stored": "(assign)", "returned": "(return)", "closure": "(captured by a closure)",
    "interface": "(call parameter)",
}


@dataclass(frozen=True)
class Escape:
    verdict: str  # heap, stack, unknown
    reason: str  # one of REASONS
    detail: str  # the compiler's words
    flow: tuple[str, ...] = ()

    @property
    def advice(self) -> str:
        return ADVICE.get(self.reason, "") if self.verdict == "heap" else ""


UNKNOWN = Escape("unknown", "other", "")


def reason_of(d: Diagnostic) -> str:
    """The contract's reason for one heap diagnostic."""
    steps = " ".join(d.flow)
    for tag, reason in FLOW_TAGS:
        if tag in steps:
            return reason
    for words, reason in MESSAGE_TAGS:
        if words in d.message:
            return reason
    what = d.message.removesuffix(" escapes to heap")
    if what == "func literal" or METHOD_VALUE.match(what) and "(spill)" in steps \
            and not d.message.startswith("moved to heap"):
        return "closure"
    if "(return)" in steps:
        return "returned"
    if d.message.startswith("moved to heap"):
        return "moved_to_heap"
    if "{heap}" in steps and "(assign)" in steps:
        return "stored"
    return "other"


def escape_of(diagnostics: list[Diagnostic], source_line: str | None) -> Escape:
    """The verdict for one profiled line: its first heap diagnostic; else a runtime-sized
    allocation the compiler keeps off the heap only while it is small; else append growth
    the compiler says nothing about (older compilers); else unknown."""
    for d in diagnostics:
        if d.heap:
            reason = reason_of(d)
            return Escape("heap", reason, _detail(d, reason), d.flow)
    for d in diagnostics:
        if any(p.match(d.message) for p in RUNTIME_SIZED):
            return Escape("heap", "nonconstant_size",
                          f"{d.message}: sized at run time, so the runtime allocates it on the "
                          "heap once it outgrows the stack buffer", d.flow)
    if source_line is not None and APPEND.search(source_line):
        return Escape("heap", "nonconstant_size", "append grows the slice at run time "
                      "(runtime.growslice); the compiler logs nothing for this line")
    kept = [d.message for d in diagnostics if STACK_ALLOCATION.match(d.message)]
    if kept:
        return Escape("stack", "other", "; ".join(kept) + ": on the stack; the profiled bytes "
                      "come from a call made here")
    if diagnostics:
        return Escape("unknown", "other", "; ".join(d.message for d in diagnostics)
                      + ": nothing allocated on the heap at this line (a call made here "
                        "allocates)")
    return UNKNOWN


def _detail(d: Diagnostic, reason: str) -> str:
    """The headline, with the step that says where it went when that is the reason."""
    key = DETAIL_STEP.get(reason)
    if key is None:
        return d.message
    for step in d.flow:
        if key in step:
            return f"{d.message}: {step.split(': ', 1)[-1].strip()}"
    return d.message
