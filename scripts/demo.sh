#!/usr/bin/env bash
# The main job on an embedded default: install everything, build release binaries, build a UKI
# from Debian's kernel and a small busybox initrd with ukify, boot it in OVMF (QEMU, TCG unless a
# real KVM module is loaded) with an swtpm TPM, and show what the guest saw next to systemd-measure's
# PCR 11 prediction. Output goes to out/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n==> %s\n' "$*"; }

say "Installing system packages"
bash scripts/install-deps.sh
say "Building release binaries"
swift build -c release
ukify=$(swift build -c release --show-bin-path)/ukify
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
echo "DEMO: /proc/cmdline = $(cat /proc/cmdline)"
echo "DEMO: PCR 11 (sha256) = $(cat /sys/class/tpm/tpm0/pcr-sha256/11 | tr A-F a-f)"
poweroff -f
INIT
chmod +x "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc --quiet | gzip -n -9) > "$work/initrd.cpio.gz"

cmdline="console=ttyS0 panic=-1 quiet"
printf '%s' "$cmdline" > "$work/cmdline"
say "ukify build --linux=$vmlinuz --initrd=$work/initrd.cpio.gz --cmdline=@$work/cmdline -o $work/demo.efi"
"$ukify" build --linux="$vmlinuz" --initrd="$work/initrd.cpio.gz" --cmdline=@"$work/cmdline" \
    --os-release=@/etc/os-release -o "$work/demo.efi"
"$ukify" inspect "$work/demo.efi" | grep -A3 -E '^\.(uname|cmdline|linux|initrd):'

say "Writing an ESP image with \\EFI\\BOOT\\BOOTX64.EFI"
mkfs.vfat -C "$work/esp.img" 65536 >/dev/null
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/esp.img" "$work/demo.efi" ::/EFI/BOOT/BOOTX64.EFI
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"

accel=tcg
if [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; then accel=kvm; fi
say "Booting in OVMF (accel=$accel) with swtpm"
swtpm socket --tpm2 --tpmstate dir="$work/tpm" --ctrl type=unixio,path="$work/tpm/swtpm.sock" --terminate &
for _ in $(seq 100); do [ -S "$work/tpm/swtpm.sock" ] && break; sleep 0.1; done
timeout 300 qemu-system-x86_64 -machine q35,accel=$accel -cpu max -m 1024 -smp 1 -nodefaults -display none -no-reboot \
    -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
    -drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
    -drive file="$work/esp.img",format=raw,if=none,id=esp,snapshot=on -device virtio-blk-pci,drive=esp \
    -chardev file,id=ser0,path="$work/serial.log" -serial chardev:ser0 \
    -chardev socket,id=chrtpm,path="$work/tpm/swtpm.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
    -device tpm-tis,tpmdev=tpm0
grep -a '^DEMO:' "$work/serial.log"

say "systemd-measure's prediction for the same sections"
expected=$(/usr/lib/systemd/systemd-measure calculate --linux="$vmlinuz" --osrel=/etc/os-release \
    --cmdline="$work/cmdline" --initrd="$work/initrd.cpio.gz" --bank=sha256 --phase= | sed 's/^11:sha256=//')
echo "systemd-measure: PCR 11 (sha256) = $expected"
if grep -aq "PCR 11 (sha256) = $expected" "$work/serial.log"; then
    say "OK: the UKI booted and PCR 11 matches (serial log: $work/serial.log)"
else
    say "FAILED: see $work/serial.log"; exit 1
fi
