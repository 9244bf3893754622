# Throwaway TLS material for the secured test broker and registry, made with openssl.
# Sourced after common.sh.
#   tls_make DIR   writes into DIR (PEM files, private keys in PKCS#8, unencrypted):
#     ca.pem, ca.key                 the test CA
#     broker.pem, broker.key         the server certificate, signed by the CA, valid for
#                                    IP 127.0.0.1 only (connecting to "localhost" is a
#                                    hostname mismatch), with broker-keystore.pem (key
#                                    and chain in one file, as Kafka's PEM keystore reads)
#     client.pem, client.key         a client certificate (CN=streamkit-client) signed by
#                                    the CA
#     rogue-ca.pem, rogue-client.pem, rogue-client.key
#                                    another CA and a client certificate it signed, which
#                                    nothing trusts

tls_make() {
  local dir=$1
  mkdir -p "$dir"
  (
    cd "$dir"
    local days=30
    openssl_ca() { # openssl_ca NAME SUBJECT
      openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
      openssl req -quiet -x509 -new -key "$1.key" -sha256 -days "$days" -subj "$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$1.pem" 2>/dev/null
    }
    openssl_leaf() { # openssl_leaf NAME CA SUBJECT EXTENSIONS
      openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
      openssl req -new -key "$1.key" -subj "$3" -out "$1.csr" 2>/dev/null
      printf '%s\n' "$4" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
        -days "$days" -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    openssl_ca ca "/CN=streamkit test CA"
    openssl_leaf broker ca "/CN=127.0.0.1" \
      "$(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature')"
    openssl_leaf client ca "/CN=streamkit-client" \
      "$(printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature')"
    openssl_ca rogue-ca "/CN=streamkit rogue CA"
    openssl_leaf rogue-client rogue-ca "/CN=streamkit-client" \
      "$(printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature')"
    cat broker.key broker.pem >broker-keystore.pem
    chmod 600 ./*.key broker-keystore.pem
  )
}
