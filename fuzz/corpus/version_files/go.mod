module example.com/m

go 1.22 // minimum

toolchain go1.23.4

require golang.org/x/text v0.14.0
