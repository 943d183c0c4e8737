/* palisade-gatewayd: start-up (placeholder, replaced below) */
#include <stdio.h>
int main(void)
{
	printf("palisade-gatewayd %s\n", PACKAGE_VERSION);
	return 0;
}
