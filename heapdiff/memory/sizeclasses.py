"""Go's heap size classes (64-bit), identical from Go 1.19 to 1.27: object size, span bytes,
objects per span. The objects column is the largest capacity any version has (later versions
reserve room in some spans for bitmaps and mark bits), so spans counted with it are a lower
bound. From ../shared/reference/go-memory-facts.md section 7.3, which was generated from the
runtime's own table (runtime/sizeclasses.go)."""
from __future__ import annotations

PAGE = 8192

# (object bytes, span bytes, objects per span) for size classes 1..67
CLASSES: tuple[tuple[int, int, int], ...] = (
    (8, 8192, 1024),
    (16, 8192, 512),
    (24, 8192, 341),
    (32, 8192, 256),
    (48, 8192, 170),
    (64, 8192, 128),
    (80, 8192, 102),
    (96, 8192, 85),
    (112, 8192, 73),
    (128, 8192, 64),
    (144, 8192, 56),
    (160, 8192, 51),
    (176, 8192, 46),
    (192, 8192, 42),
    (208, 8192, 39),
    (224, 8192, 36),
    (240, 8192, 34),
    (256, 8192, 32),
    (288, 8192, 28),
    (320, 8192, 25),
    (352, 8192, 23),
    (384, 8192, 21),
    (416, 8192, 19),
    (448, 8192, 18),
    (480, 8192, 17),
    (512, 8192, 16),
    (576, 8192, 14),
    (640, 8192, 12),
    (704, 8192, 11),
    (768, 8192, 10),
    (896, 8192, 9),
    (1024, 8192, 8),
    (1152, 8192, 7),
    (1280, 8192, 6),
    (1408, 16384, 11),
    (1536, 8192, 5),
    (1792, 16384, 9),
    (2048, 8192, 4),
    (2304, 16384, 7),
    (2688, 8192, 3),
    (3072, 24576, 8),
    (3200, 16384, 5),
    (3456, 24576, 7),
    (4096, 8192, 2),
    (4864, 24576, 5),
    (5376, 16384, 3),
    (6144, 24576, 4),
    (6528, 32768, 5),
    (6784, 40960, 6),
    (6912, 49152, 7),
    (8192, 8192, 1),
    (9472, 57344, 6),
    (9728, 49152, 5),
    (10240, 40960, 4),
    (10880, 32768, 3),
    (12288, 24576, 2),
    (13568, 40960, 3),
    (14336, 57344, 4),
    (16384, 16384, 1),
    (18432, 73728, 4),
    (19072, 57344, 3),
    (20480, 40960, 2),
    (21760, 65536, 3),
    (24576, 24576, 1),
    (27264, 81920, 3),
    (28672, 57344, 2),
    (32768, 32768, 1),
)
BY_SIZE = {size: (span, objects) for size, span, objects in CLASSES}


def minimum_bytes(size: int, objects: int) -> int:
    """The fewest bytes of spans that can hold `objects` live objects of slot size `size`:
    whole spans of its class, or for large objects their own pages."""
    if objects <= 0:
        return 0
    if size in BY_SIZE:
        span, per_span = BY_SIZE[size]
        return -(-objects // per_span) * span
    return objects * (-(-size // PAGE) * PAGE)
