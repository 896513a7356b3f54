package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"golang.org/x/oauth2"

	"github.com/hearth-iot/hearth/client"
)

// A person signs in, lists their households and devices, reads the
// household's own readings for a purpose and gives a consent.
func Example() {
	ctx := context.Background()
	c := client.New("https://hearth.example", nil)
	if _, err := c.SignIn(ctx, "ada@example.org", "correct horse battery staple"); err != nil {
		var sf *client.SecondFactorRequired
		if !errors.As(err, &sf) {
			log.Fatal(err)
		}
		if _, err := c.SecondFactor(ctx, sf.StepToken, "totp", "123456"); err != nil {
			log.Fatal(err)
		}
	}
	me, err := c.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	households, err := c.Households(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, hh := range households {
		page, err := c.Readings(ctx, hh.ID, client.ReadingsQuery{Purpose: "heating-control", Person: "-"})
		if client.IsCode(err, "forbidden") {
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(hh.Name, len(page.Readings), "readings")
		if _, err := c.Decide(ctx, hh.ID, me.PersonID, "energy-insights", client.Decision{Decision: "give", Method: "app"}); err != nil {
			log.Fatal(err)
		}
	}
}

// A third-party client calls the API with an OAuth 2 access token: the
// *http.Client from golang.org/x/oauth2 adds the Authorization header and
// refreshes the token.
func ExampleNew_oauth2() {
	ctx := context.Background()
	conf := &oauth2.Config{ClientID: "my-app", Endpoint: oauth2.Endpoint{
		AuthURL: "https://hearth.example/oauth/authorize", TokenURL: "https://hearth.example/oauth/token"}}
	var tok *oauth2.Token // from conf.Exchange after the person agreed
	c := client.New("https://hearth.example", conf.Client(ctx, tok))
	if _, err := c.Me(ctx); err != nil {
		log.Fatal(err)
	}
}
