module l5d-pki/bench/certify-load

go 1.19
