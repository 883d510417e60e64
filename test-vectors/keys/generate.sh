#!/bin/sh
# Regenerates the key fixtures with the real ssh-keygen (OpenSSH) and writes manifest.json:
# for each private key its passphrase, comment and what `ssh-keygen -y` and `ssh-keygen -l`
# print. These are throwaway test keys; never use them for anything else.
set -eu
cd "$(dirname "$0")"
rm -f id_* known_hosts* manifest.json
PASS='fixture passphrase'
entries=''
add() { # file passphrase
  f=$1; p=$2
  pub=$(ssh-keygen -y -P "$p" -f "$f" | cut -d' ' -f1,2)
  sha=$(ssh-keygen -l -E sha256 -f "$f" | cut -d' ' -f2)
  md5=$(ssh-keygen -l -E md5 -f "$f" | cut -d' ' -f2)
  comment=$(ssh-keygen -l -f "$f.pub" 2>/dev/null | cut -d' ' -f3- | sed 's/ ([A-Z0-9]*)$//' || true)
  entries="$entries${entries:+,}
  {\"file\": \"$f\", \"passphrase\": \"$p\", \"public\": \"$pub\", \"sha256\": \"$sha\", \"md5\": \"$md5\", \"comment\": \"$comment\"}"
}
for t in ed25519 ecdsa256 ecdsa384 ecdsa521 rsa2048; do
  case $t in
    ed25519) args='-t ed25519' ;;
    ecdsa*) args="-t ecdsa -b ${t#ecdsa}" ;;
    rsa2048) args='-t rsa -b 2048' ;;
  esac
  ssh-keygen -q $args -N '' -C "fixture-$t" -f "id_$t"
  add "id_$t" ''
  cp "id_$t" "id_${t}_ctr"; cp "id_$t.pub" "id_${t}_ctr.pub"
  ssh-keygen -q -p -P '' -N "$PASS" -f "id_${t}_ctr" >/dev/null
  add "id_${t}_ctr" "$PASS"
  cp "id_$t" "id_${t}_gcm"; cp "id_$t.pub" "id_${t}_gcm.pub"
  ssh-keygen -q -p -P '' -N "$PASS" -Z aes256-gcm@openssh.com -f "id_${t}_gcm" >/dev/null
  add "id_${t}_gcm" "$PASS"
  if [ "$t" != ed25519 ]; then
    for m in PEM PKCS8; do
      cp "id_$t" "id_${t}_$m"; cp "id_$t.pub" "id_${t}_$m.pub"
      ssh-keygen -q -p -P '' -N '' -m "$m" -f "id_${t}_$m" >/dev/null
      add "id_${t}_$m" ''
    done
  fi
done
# a known_hosts file hashed by ssh-keygen -H: alpha (port 22) and beta (port 2222)
{ printf 'alpha.example %s\n' "$(cut -d' ' -f1,2 id_ed25519.pub)"
  printf '[beta.example]:2222 %s\n' "$(cut -d' ' -f1,2 id_ecdsa256.pub)"; } > known_hosts.hashed
ssh-keygen -q -H -f known_hosts.hashed >/dev/null 2>&1
rm -f known_hosts.hashed.old
rm -f id_*.pub.old
for f in id_*_ctr.pub id_*_gcm.pub id_*_PEM.pub id_*_PKCS8.pub; do rm -f "$f"; done
printf '{\n "generator": "%s",\n "keys": [%s\n ]\n}\n' "$(ssh -V 2>&1)" "$entries" > manifest.json
