#!/usr/bin/env bash
# Installs every system package the build, the tests, the demo and the benchmark need (Debian 12).
set -euo pipefail
packages=(
    libssl-dev libelf-dev libefivar-dev libefiboot-dev zlib1g-dev pkg-config   # C libraries the modules wrap
    libzstd-dev liblzma-dev liblz4-dev libbz2-dev        # compressed kernels (KernelProbe)
    zstd xz-utils lz4 bzip2                              # compressed test kernels
    libtss2-dev libtss2-tcti-swtpm0                      # TPMPolicy (ESYS, tss2-mu) and its swtpm TCTI
    tpm2-tools                                           # an independent PCR extend for measure --current tests
    qemu-system-x86 ovmf swtpm swtpm-tools               # firmware boots
    efibootmgr e2fsprogs                                 # independent readers inside test guests (lsattr)
    sbsigntool osslsigncode pesign                       # Authenticode cross-checks
    softhsm2 libengine-pkcs11-openssl opensc             # a PKCS#11 token for HSM signing
    tpm2-openssl                                         # OpenSSL provider for keys inside a TPM (swtpm)
    busybox-static cpio gzip dosfstools mtools fdisk     # test initrd and ESP images (sfdisk: GPT disks)
    systemd systemd-boot-efi                             # linuxx64.efi.stub, systemd-measure (golden PCR 11)
    make dpkg-dev                                        # make install / make deb (dpkg-shlibdeps)
    systemd-boot man-db                                  # the package installs next to them (check-installed.sh)
    shim-signed grub-efi-amd64-signed                    # real shim and GRUB binaries for the SBAT checks
    binutils python3 python3-pefile gcc                  # objdump -h, pefile cross-checks, ELF test kernel
    openssl time hyperfine                               # benchmark floor, peak RSS, medians (bench/compare.sh)
)
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"
# virt-firmware (virt-fw-vars) enrolls Secure Boot keys into OVMF varstores; cryptography makes test certificates.
python3 -m pip install --quiet --disable-pip-version-check virt-firmware cryptography
