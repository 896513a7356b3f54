package http_test

import (
	_ "golang.org/x/oauth2" // the OAuth test, being written
)
