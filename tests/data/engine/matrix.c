/* Dense floating-point kernels: vectorizable loops, reductions, 2-D arrays (O3 loop/vector passes). */
#include <stdio.h>

#define N 64

static double A[N][N], B[N][N], C[N][N];

static void init(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (double)(i * j % 7) / 7.0;
            B[i][j] = (double)(i + j) / N;
            C[i][j] = 0.0;
        }
}

static void matmul(void) {
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            double aik = A[i][k];
            for (int j = 0; j < N; j++)
                C[i][j] += aik * B[k][j];
        }
}

double trace(void) {
    double t = 0.0;
    for (int i = 0; i < N; i++)
        t += C[i][i];
    return t;
}

void saxpy(float *restrict y, const float *restrict x, float a, int n) {
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

int main(void) {
    float x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)i;
        y[i] = 1.0f;
    }
    saxpy(y, x, 2.0f, N);
    init();
    matmul();
    printf("%f %f\n", trace(), (double)y[N - 1]);
    return 0;
}
