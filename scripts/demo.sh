#!/usr/bin/env bash
# The main job on an embedded default: install everything, build release binaries, and show the
# signing chain of a reproducible UKI from Debian's kernel and a small busybox initrd:
# - a "server" with the keys builds it signed for Secure Boot and with a signed PCR 11 policy, and
#   exports its signatures (ukify build --export-signatures);
# - a "client" without any key rebuilds the same inputs and imports them (--import-signatures): the
#   two files are identical;
# - the client's UKI boots in OVMF (QEMU, TCG unless a real KVM module is loaded) with Secure Boot
#   enforcing (the server's key enrolled with virt-fw-vars) and an swtpm TPM, and the PCR 11 the
#   guest reads has a signed policy in the UKI's .pcrsig, as `measure` predicts.
# Output goes to out/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n==> %s\n' "$*"; }

say "Installing system packages"
bash scripts/install-deps.sh
say "Building release binaries"
swift build -c release
ukify=$(swift build -c release --show-bin-path)/ukify
measure=$(swift build -c release --show-bin-path)/measure
scripts/fetch-kernel.sh
vmlinuz=$(ls .cache/kernel/boot/vmlinuz-*)

work=out/demo
rm -rf "$work" && mkdir -p "$work/initrd/bin" "$work/initrd/proc" "$work/initrd/sys" "$work/initrd/dev" "$work/tpm"
say "Making a busybox initrd"
cp /bin/busybox "$work/initrd/bin/"
cat > "$work/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo "DEMO: booted from a UKI built by ukify"
# The kernel reports the firmware's Secure Boot state at boot (efivarfs is a module in Debian's kernel).
echo "DEMO: SecureBoot = $(dmesg | grep -q 'Secure boot enabled' && echo 1 || echo 0)"
echo "DEMO: /proc/cmdline = $(cat /proc/cmdline)"
echo "DEMO: PCR 11 (sha256) = $(cat /sys/class/tpm/tpm0/pcr-sha256/11 | tr A-F a-f)"
poweroff -f
INIT
chmod +x "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc --quiet | gzip -n -9) > "$work/initrd.cpio.gz"

cmdline="console=ttyS0 panic=-1 quiet"
inputs=(--linux="$vmlinuz" --initrd="$work/initrd.cpio.gz" --cmdline="$cmdline" --os-release=@/etc/os-release
    --uname="$(basename "$vmlinuz" | sed 's/^vmlinuz-//')")
say "Server: keys (ukify genkey) and a signed build that exports its signatures"
mkdir -p "$work/server" "$work/client"
"$ukify" genkey --secureboot-private-key="$work/server/db.key" --secureboot-certificate="$work/server/db.crt" \
    --secureboot-certificate-cn="bootchain demo db" \
    --pcr-private-key="$work/server/pcr.key" --pcr-public-key="$work/server/pcr.pub"
# The busybox init extends no boot phase: sign PCR 11 for the empty phase path too.
"$ukify" build "${inputs[@]}" --secureboot-private-key="$work/server/db.key" \
    --secureboot-certificate="$work/server/db.crt" --pcr-private-key="$work/server/pcr.key" \
    --pcr-banks=sha256 --phases=": enter-initrd" --export-signatures="$work/signatures.json" -o "$work/server/uki.efi"

say "Client: the same inputs, no keys, the server's signatures"
"$ukify" build "${inputs[@]}" --import-signatures="$work/signatures.json" -o "$work/client/uki.efi"
cmp "$work/server/uki.efi" "$work/client/uki.efi"
echo "server and client UKIs are identical: $(sha256sum < "$work/client/uki.efi" | cut -c1-64)"
"$ukify" verify --cert="$work/server/db.crt" "$work/client/uki.efi"

say "Enrolling the server's certificate in db (virt-fw-vars) and booting with Secure Boot and swtpm"
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=bootchain demo PK" -days 3650 \
    -keyout "$work/pk.key" -out "$work/pk.crt" 2>/dev/null
owner=$(cat /proc/sys/kernel/random/uuid)
virt-fw-vars --input /usr/share/OVMF/OVMF_VARS_4M.fd --output "$work/vars.fd" --set-pk "$owner" "$work/pk.crt" \
    --add-kek "$owner" "$work/pk.crt" --add-db "$owner" "$work/server/db.crt" --secure-boot >/dev/null
mkfs.vfat -C "$work/esp.img" 65536 >/dev/null
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/esp.img" "$work/client/uki.efi" ::/EFI/BOOT/BOOTX64.EFI

accel=tcg
if [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; then accel=kvm; fi
swtpm socket --tpm2 --tpmstate dir="$work/tpm" --ctrl type=unixio,path="$work/tpm/swtpm.sock" --terminate &
for _ in $(seq 100); do [ -S "$work/tpm/swtpm.sock" ] && break; sleep 0.1; done
timeout 300 qemu-system-x86_64 -machine q35,accel=$accel,smm=on -global driver=cfi.pflash01,property=secure,value=on \
    -cpu max -m 1024 -smp 1 -nodefaults -display none -no-reboot \
    -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd \
    -drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
    -drive file="$work/esp.img",format=raw,if=none,id=esp,snapshot=on -device virtio-blk-pci,drive=esp \
    -chardev file,id=ser0,path="$work/serial.log" -serial chardev:ser0 \
    -chardev socket,id=chrtpm,path="$work/tpm/swtpm.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
    -device tpm-tis,tpmdev=tpm0
grep -a '^DEMO:' "$work/serial.log"

say "What measure predicts, and the signed policy for it in the UKI's .pcrsig"
expected=$("$measure" calculate --uki="$work/client/uki.efi" --bank=sha256 --phase= | sed 's/^11:sha256=//')
policy=$("$measure" policy-digest --uki="$work/client/uki.efi" --bank=sha256 --phase= --json=short |
    sed 's/.*"pol":"\([0-9a-f]*\)".*/\1/')
echo "measure: PCR 11 (sha256) = $expected, policy $policy"
"$ukify" inspect --section=.pcrsig:text@"$work/pcrsig.json" "$work/client/uki.efi" >/dev/null
if grep -aq "DEMO: SecureBoot = 1" "$work/serial.log" && grep -aq "PCR 11 (sha256) = $expected" "$work/serial.log" &&
    grep -q "$policy" "$work/pcrsig.json"; then
    say "OK: the client's UKI booted with Secure Boot on, and its PCR 11 has a signed policy (serial log: $work/serial.log)"
else
    say "FAILED: see $work/serial.log"; exit 1
fi
