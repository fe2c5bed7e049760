module heapdiff/allocsite

go 1.21
