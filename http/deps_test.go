package http_test

import (
	_ "github.com/pb33f/libopenapi"           // the OpenAPI test, being written
	_ "github.com/pb33f/libopenapi-validator" // the OpenAPI test, being written
	_ "golang.org/x/oauth2"                   // the OAuth test, being written
)
