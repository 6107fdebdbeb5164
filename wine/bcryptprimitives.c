/*
 * bcryptprimitives.dll for Wine versions that lack it (Wine 8.0, Debian 12's).
 *
 * Rust's standard library (1.78 and later) and Go's runtime get random bytes from
 * ProcessPrng in bcryptprimitives.dll; without the DLL a Windows binary does not even start
 * under such a Wine (status c0000135). binship verify builds this file with MinGW into the
 * Wine prefix it owns, only when that Wine has no bcryptprimitives.dll of its own.
 * ProcessPrng takes a SIZE_T length; RtlGenRandom (advapi32's SystemFunction036) a ULONG.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance;
  (void)reason;
  (void)reserved;
  return TRUE;
}
