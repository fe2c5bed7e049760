module gctracesample

go 1.19
