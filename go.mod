module github.com/hashgate/hashgate

go 1.26
