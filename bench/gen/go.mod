module heapdiff/bench/gen

go 1.22
