// Reads a list of CSRs as JSON on stdin and judges each as Linkerd's identity service does, with Go's
// crypto/x509 (standard library only): ParseCertificateRequest, the signature (which l5d-pki also
// checks), then exactly one DNS SAN equal to the identity, a CN empty or equal to it, no email, IP or
// URI SANs, and an ECDSA key. Prints one JSON object per CSR on stdout, in order.
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
)

type request struct {
	ID       string `json:"id"`
	Csr      []byte `json:"csr"`
	Identity string `json:"identity"`
}

type answer struct {
	ID  string `json:"id"`
	Ok  bool   `json:"ok"`
	Err string `json:"err,omitempty"`
}

func judge(r request) error {
	csr, err := x509.ParseCertificateRequest(r.Csr)
	if err != nil {
		return err
	}
	if err := csr.CheckSignature(); err != nil {
		return err
	}
	if len(csr.DNSNames) != 1 || csr.DNSNames[0] != r.Identity {
		return errors.New("DNS SANs are not exactly the identity")
	}
	if cn := csr.Subject.CommonName; cn != "" && cn != r.Identity {
		return errors.New("CN is neither empty nor the identity")
	}
	if len(csr.EmailAddresses) > 0 || len(csr.IPAddresses) > 0 || len(csr.URIs) > 0 {
		return errors.New("email, IP or URI SANs")
	}
	if _, ok := csr.PublicKey.(*ecdsa.PublicKey); !ok {
		return errors.New("not an ECDSA key")
	}
	return nil
}

func main() {
	var requests []request
	if err := json.NewDecoder(os.Stdin).Decode(&requests); err != nil {
		panic(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for _, r := range requests {
		a := answer{ID: r.ID, Ok: true}
		if err := judge(r); err != nil {
			a.Ok, a.Err = false, err.Error()
		}
		if err := enc.Encode(a); err != nil {
			panic(err)
		}
	}
}
