module heapdiff/samples

go 1.22
