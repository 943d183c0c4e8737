/* not_p11.c: a shared object that is not a PKCS#11 module (no
 * C_GetFunctionList), for the "wrong module path" test. */
int not_p11_symbol(void);

int not_p11_symbol(void)
{
	return 42;
}
