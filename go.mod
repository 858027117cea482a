module github.com/kmipwire/kmipwire

go 1.26
