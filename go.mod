module github.com/hearth-iot/hearth

go 1.26.8
