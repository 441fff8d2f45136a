// Reads a list of path-validation questions as JSON on stdin and answers each with Go's crypto/x509
// (standard library only): Verify with the given roots and intermediates, DNS name, extended key usage
// and time. Prints one JSON object per question on stdout, in order.
package main

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

type question struct {
	ID            string   `json:"id"`
	Roots         [][]byte `json:"roots"`
	Intermediates [][]byte `json:"intermediates"`
	Leaf          []byte   `json:"leaf"`
	Name          string   `json:"name"`
	Usage         string   `json:"usage"`
	At            string   `json:"at"`
}

type answer struct {
	ID   string `json:"id"`
	Ok   bool   `json:"ok"`
	Kind string `json:"kind,omitempty"`
	Err  string `json:"err,omitempty"`
}

var reasons = map[x509.InvalidReason]string{
	x509.NotAuthorizedToSign:           "NotAuthorizedToSign",
	x509.Expired:                       "Expired",
	x509.CANotAuthorizedForThisName:    "CANotAuthorizedForThisName",
	x509.TooManyIntermediates:          "TooManyIntermediates",
	x509.IncompatibleUsage:             "IncompatibleUsage",
	x509.NameMismatch:                  "NameMismatch",
	x509.NameConstraintsWithoutSANs:    "NameConstraintsWithoutSANs",
	x509.UnconstrainedName:             "UnconstrainedName",
	x509.TooManyConstraints:            "TooManyConstraints",
	x509.CANotAuthorizedForExtKeyUsage: "CANotAuthorizedForExtKeyUsage",
}

// kind names the class of a verification error, for the comparison on the other side.
func kind(err error) string {
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var insecure x509.InsecureAlgorithmError
	var critical x509.UnhandledCriticalExtension
	switch {
	case errors.As(err, &invalid):
		return reasons[invalid.Reason]
	case errors.As(err, &hostname):
		return "Hostname"
	case errors.As(err, &unknown):
		return "UnknownAuthority"
	case errors.As(err, &insecure):
		return "InsecureAlgorithm"
	case errors.As(err, &critical):
		return "UnhandledCriticalExtension"
	}
	return fmt.Sprintf("%T", err)
}

func parse(ders [][]byte) ([]*x509.Certificate, error) {
	out := make([]*x509.Certificate, 0, len(ders))
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func verify(q question) answer {
	a := answer{ID: q.ID}
	at, err := time.Parse(time.RFC3339, q.At)
	if err != nil {
		panic(err)
	}
	certs, err := parse(append(append([][]byte{q.Leaf}, q.Intermediates...), q.Roots...))
	if err != nil {
		a.Kind, a.Err = "Parse", err.Error()
		return a
	}
	roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range certs[1 : 1+len(q.Intermediates)] {
		intermediates.AddCert(c)
	}
	for _, c := range certs[1+len(q.Intermediates):] {
		roots.AddCert(c)
	}
	usage := map[string]x509.ExtKeyUsage{"server": x509.ExtKeyUsageServerAuth, "client": x509.ExtKeyUsageClientAuth}[q.Usage]
	_, err = certs[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		DNSName:       q.Name,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	})
	if err != nil {
		a.Kind, a.Err = kind(err), err.Error()
		return a
	}
	a.Ok = true
	return a
}

func main() {
	var questions []question
	if err := json.NewDecoder(os.Stdin).Decode(&questions); err != nil {
		panic(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for _, q := range questions {
		if err := enc.Encode(verify(q)); err != nil {
			panic(err)
		}
	}
}
