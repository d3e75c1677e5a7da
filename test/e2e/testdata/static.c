#include <stdio.h>
int main(void) { printf("hello from static C\n"); return 0; }
