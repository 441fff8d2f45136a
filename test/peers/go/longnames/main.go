// Reads the manifest named on the command line and, with Go's crypto/x509 only, parses each CSR and
// checks its signature, then verifies each leaf against the anchors and intermediates for its DNS name.
// Prints one JSON object per case on stdout.
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"time"
)

type testCase struct {
	Name string `json:"name"`
	Csr  string `json:"csr"`
	Leaf string `json:"leaf"`
}

type manifest struct {
	Anchors       string     `json:"anchors"`
	Intermediates string     `json:"intermediates"`
	Cases         []testCase `json:"cases"`
}

type verdict struct {
	Name       string   `json:"name"`
	CsrError   string   `json:"csrError"`
	CsrCN      string   `json:"csrCommonName"`
	CsrDNS     []string `json:"csrDnsNames"`
	LeafError  string   `json:"leafError"`
	LeafCN     string   `json:"leafCommonName"`
	LeafDNS    []string `json:"leafDnsNames"`
	LeafURIs   []string `json:"leafUris"`
	ChainDepth int      `json:"chainDepth"`
}

func pool(path string) *x509.CertPool {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(data) {
		panic("no certificates in " + path)
	}
	return p
}

func readDER(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	if block, _ := pem.Decode(data); block != nil {
		return block.Bytes
	}
	return data
}

func check(c testCase, roots, intermediates *x509.CertPool) verdict {
	v := verdict{Name: c.Name}
	csr, err := x509.ParseCertificateRequest(readDER(c.Csr))
	if err == nil {
		err = csr.CheckSignature()
	}
	if err != nil {
		v.CsrError = err.Error()
	} else {
		v.CsrCN = csr.Subject.CommonName
		v.CsrDNS = csr.DNSNames
	}
	leaf, err := x509.ParseCertificate(readDER(c.Leaf))
	if err != nil {
		v.LeafError = err.Error()
		return v
	}
	v.LeafCN = leaf.Subject.CommonName
	v.LeafDNS = leaf.DNSNames
	for _, u := range leaf.URIs {
		v.LeafURIs = append(v.LeafURIs, u.String())
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		DNSName:       c.Name,
		CurrentTime:   time.Now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		v.LeafError = err.Error()
	} else {
		v.ChainDepth = len(chains[0])
	}
	return v
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: longnames <manifest.json>")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		panic(err)
	}
	roots, intermediates := pool(m.Anchors), pool(m.Intermediates)
	out := json.NewEncoder(os.Stdout)
	for _, c := range m.Cases {
		if err := out.Encode(check(c, roots, intermediates)); err != nil {
			panic(err)
		}
	}
}
