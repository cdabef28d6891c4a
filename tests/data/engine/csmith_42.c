/*
 * This is a RANDOMLY GENERATED PROGRAM.
 *
 * Generator: csmith 2.3.0
 * Git version: 30dccd7
 * Options:   --seed 42 --max-funcs 6 --no-packed-struct -o /tmp/cs42.c
 * Seed:      42
 */

#include "csmith.h"


static long __undefined;

/* --- Struct/Union Declarations --- */
union U0 {
   const volatile signed f0 : 3;
   int32_t  f1;
   int8_t  f2;
};

union U1 {
   uint8_t  f0;
   volatile unsigned f1 : 22;
};

/* --- GLOBAL VARIABLES --- */
static uint8_t g_13 = 0x3CL;
static volatile uint16_t g_26 = 0xCB1AL;/* VOLATILE GLOBAL g_26 */
static int32_t g_39 = (-4L);
static uint8_t g_41 = 251UL;
static uint8_t *g_40[9] = {&g_41,(void*)0,&g_41,&g_41,(void*)0,&g_41,&g_41,(void*)0,&g_41};
static int64_t g_49 = (-2L);
static uint64_t g_51 = 0xD423CB8E00457A23LL;
static uint64_t g_60 = 0x7999919139F4802DLL;
static int32_t g_63 = 0xB82AEC7FL;
static int32_t *g_62 = &g_63;
static uint32_t g_91 = 0xBC0A0867L;
static uint16_t g_98 = 0UL;
static uint16_t g_124 = 65533UL;
static int64_t g_131 = 0x60C0ABB7B1AC98C3LL;
static union U1 g_138 = {0x06L};/* VOLATILE GLOBAL g_138 */
static int32_t g_161 = 0x012404B1L;
static int8_t g_162 = 0xBCL;
static int32_t g_165 = 0x220DBA62L;
static uint16_t g_166 = 0x1F86L;
static volatile union U1 *g_170 = (void*)0;
static volatile union U1 **g_169[4] = {&g_170,&g_170,&g_170,&g_170};
static int64_t *g_179 = &g_49;
static int64_t **g_178 = &g_179;
static uint32_t g_206[4][6] = {{1UL,0xF7B5A891L,0x54AC5FBAL,0xF7B5A891L,1UL,0x8E7FB409L},{1UL,0xF7B5A891L,0x54AC5FBAL,0xF7B5A891L,1UL,0x8E7FB409L},{1UL,0xF7B5A891L,0x54AC5FBAL,0xF7B5A891L,1UL,0x8E7FB409L},{1UL,0xF7B5A891L,0x54AC5FBAL,0xF7B5A891L,1UL,0x8E7FB409L}};
static union U1 g_231 = {248UL};/* VOLATILE GLOBAL g_231 */
static const union U1 g_233 = {246UL};/* VOLATILE GLOBAL g_233 */
static union U1 g_235[2] = {{0x40L},{0x40L}};
static int32_t g_261 = 1L;
static int32_t g_262 = 0xA2B58F65L;
static uint64_t g_263 = 18446744073709551615UL;
static int32_t **g_283 = &g_62;
static uint16_t g_356[7][5] = {{0x4118L,0x8E6CL,0x4118L,0x4118L,0x8E6CL},{0x8E6CL,0x4118L,0x39C4L,0x4118L,0x39C4L},{0x4118L,0x4118L,0x8E6CL,0x4118L,0x4118L},{0x39C4L,0x4118L,0x39C4L,0x39C4L,0x4118L},{0x4118L,0x39C4L,0x39C4L,0x4118L,0x39C4L},{0x4118L,0x4118L,0x8E6CL,0x4118L,0x4118L},{0x39C4L,0x4118L,0x39C4L,0x39C4L,0x4118L}};
static int64_t g_379 = 0L;
static int8_t g_381 = 4L;
static int8_t g_385 = 1L;
static union U1 g_404 = {9UL};/* VOLATILE GLOBAL g_404 */
static int32_t g_410 = 0x8D01C44CL;
static int32_t g_411 = 0xF2A81067L;
static uint16_t g_412[10][2] = {{0xE09AL,65535UL},{0xE09AL,0xE09AL},{65535UL,0xE09AL},{0xE09AL,65535UL},{0xE09AL,0xE09AL},{65535UL,0xE09AL},{0xE09AL,65535UL},{0xE09AL,0xE09AL},{65535UL,0xE09AL},{0xE09AL,65535UL}};
static int8_t g_417[6] = {0x73L,0x73L,0x73L,0x73L,0x73L,0x73L};
static uint32_t g_421 = 4294967294UL;
static int64_t g_440 = (-9L);
static union U1 g_582 = {0UL};/* VOLATILE GLOBAL g_582 */
static int32_t g_607 = 1L;
static union U0 g_610 = {1L};/* VOLATILE GLOBAL g_610 */
static union U0 g_622 = {0L};/* VOLATILE GLOBAL g_622 */
static union U0 *g_621 = &g_622;
static union U1 ** const ***g_654 = (void*)0;
static union U0 g_679 = {-1L};/* VOLATILE GLOBAL g_679 */
static const int16_t g_715 = 0xE497L;
static const int16_t g_717 = 0x8F0CL;
static const int16_t *g_716 = &g_717;
static int16_t g_817[7][1] = {{0x98F2L},{0x98F2L},{(-6L)},{0x98F2L},{0x98F2L},{(-6L)},{0x98F2L}};
static uint8_t g_818 = 0x25L;
static union U0 g_858 = {0xDC5CCBE1L};/* VOLATILE GLOBAL g_858 */
static union U0 g_861 = {8L};/* VOLATILE GLOBAL g_861 */
static union U0 *g_860 = &g_861;
static union U1 g_869 = {0x5DL};/* VOLATILE GLOBAL g_869 */
static const union U0 **g_935 = (void*)0;
static union U1 g_939 = {1UL};/* VOLATILE GLOBAL g_939 */
static union U0 g_943 = {1L};/* VOLATILE GLOBAL g_943 */
static union U0 g_944 = {9L};/* VOLATILE GLOBAL g_944 */
static union U0 g_945 = {0x1F9488A6L};/* VOLATILE GLOBAL g_945 */
static union U0 g_946 = {1L};/* VOLATILE GLOBAL g_946 */
static union U0 g_947 = {8L};/* VOLATILE GLOBAL g_947 */
static union U0 g_948 = {0x03593928L};/* VOLATILE GLOBAL g_948 */
static union U1 *g_973 = (void*)0;
static union U1 g_977 = {6UL};/* VOLATILE GLOBAL g_977 */
static int8_t g_1006 = 1L;
static uint32_t g_1013 = 0x0E94E6E6L;
static uint16_t **g_1032[3] = {(void*)0,(void*)0,(void*)0};
static uint16_t *** volatile g_1031 = &g_1032[2];/* VOLATILE GLOBAL g_1031 */
static volatile int16_t g_1033 = (-7L);/* VOLATILE GLOBAL g_1033 */
static union U1 g_1051 = {0x1BL};/* VOLATILE GLOBAL g_1051 */
static volatile uint16_t g_1073 = 65532UL;/* VOLATILE GLOBAL g_1073 */
static union U1 *g_1123 = &g_977;
static union U1 ** volatile g_1122 = &g_1123;/* VOLATILE GLOBAL g_1122 */
static volatile uint64_t g_1131 = 0xE953FD5377B69B37LL;/* VOLATILE GLOBAL g_1131 */
static union U0 ** volatile g_1144 = &g_860;/* VOLATILE GLOBAL g_1144 */
static volatile int16_t g_1163 = (-7L);/* VOLATILE GLOBAL g_1163 */
static union U1 **g_1171 = &g_1123;
static union U1 ***g_1170 = &g_1171;
static union U1 ****g_1169 = &g_1170;
static union U1 *****g_1168[5] = {&g_1169,&g_1169,&g_1169,&g_1169,&g_1169};
static volatile union U1 g_1222 = {252UL};/* VOLATILE GLOBAL g_1222 */
static volatile union U1 g_1231 = {4UL};/* VOLATILE GLOBAL g_1231 */
static volatile union U0 g_1244 = {2L};/* VOLATILE GLOBAL g_1244 */
static volatile uint8_t g_1254[8] = {5UL,5UL,255UL,5UL,5UL,255UL,5UL,5UL};
static union U0 g_1263 = {-7L};/* VOLATILE GLOBAL g_1263 */
static const int32_t *g_1292 = &g_161;
static const int32_t ** volatile g_1291 = &g_1292;/* VOLATILE GLOBAL g_1291 */
static volatile union U0 g_1297 = {0x9F09F9C0L};/* VOLATILE GLOBAL g_1297 */
static union U1 g_1315[10] = {{0xB5L},{0xB5L},{0xB5L},{0xB5L},{0xB5L},{0xB5L},{0xB5L},{0xB5L},{0xB5L},{0xB5L}};
static uint32_t g_1323 = 0UL;
static union U1 g_1373 = {255UL};/* VOLATILE GLOBAL g_1373 */
static const union U1 g_1384[5][6] = {{{0x96L},{0x96L},{0x96L},{0x96L},{0x96L},{0x96L}},{{0x96L},{0x96L},{0x96L},{0x96L},{0x96L},{0x96L}},{{0x96L},{0x96L},{0x96L},{0x96L},{0x96L},{0x96L}},{{0x96L},{0x96L},{0x96L},{0x96L},{0x96L},{0x96L}},{{0x96L},{0x96L},{0x96L},{0x96L},{0x96L},{0x96L}}};
static volatile uint8_t g_1394 = 0x95L;/* VOLATILE GLOBAL g_1394 */
static volatile uint8_t *g_1393[6] = {&g_1394,&g_1394,(void*)0,&g_1394,&g_1394,(void*)0};
static volatile uint8_t * volatile *g_1392[7] = {&g_1393[4],&g_1393[4],&g_1393[4],&g_1393[4],&g_1393[4],&g_1393[4],&g_1393[4]};
static volatile uint8_t * volatile * volatile *g_1391 = &g_1392[2];
static union U1 **g_1460 = (void*)0;
static union U1 *** const g_1459 = &g_1460;
static union U1 *** const *g_1458 = &g_1459;
static uint32_t g_1469 = 0x0B33929EL;
static uint64_t g_1487 = 0xDC9549724751AD62LL;
static volatile union U0 g_1527 = {0xEFD88D3DL};/* VOLATILE GLOBAL g_1527 */
static int16_t g_1607 = 0L;
static int64_t g_1608[4][3][1] = {{{0x2CA50B1FE612559DLL},{0x2CA50B1FE612559DLL},{0x2CA50B1FE612559DLL}},{{0x2CA50B1FE612559DLL},{0x2CA50B1FE612559DLL},{0x2CA50B1FE612559DLL}},{{0x2CA50B1FE612559DLL},{0x2CA50B1FE612559DLL},{0x2CA50B1FE612559DLL}},{{0x2CA50B1FE612559DLL},{0x2CA50B1FE612559DLL},{0x2CA50B1FE612559DLL}}};
static int32_t g_1609[10][1][1] = {{{0xBEE44744L}},{{0xBEE44744L}},{{0xBEE44744L}},{{0xBEE44744L}},{{0xBEE44744L}},{{0xBEE44744L}},{{0xBEE44744L}},{{0xBEE44744L}},{{0xBEE44744L}},{{0xBEE44744L}}};
static uint32_t g_1610[2] = {18446744073709551611UL,18446744073709551611UL};
static const uint32_t *g_1614 = (void*)0;
static const uint32_t * volatile *g_1613[9] = {&g_1614,&g_1614,&g_1614,&g_1614,&g_1614,&g_1614,&g_1614,&g_1614,&g_1614};
static const uint32_t * volatile ** volatile g_1615 = &g_1613[1];/* VOLATILE GLOBAL g_1615 */
static uint32_t *g_1619 = &g_1323;
static uint32_t ** const  volatile g_1618 = &g_1619;/* VOLATILE GLOBAL g_1618 */
static union U0 g_1686 = {1L};/* VOLATILE GLOBAL g_1686 */
static int64_t *** volatile g_1696 = &g_178;/* VOLATILE GLOBAL g_1696 */
static int16_t g_1713 = (-1L);
static uint32_t *g_1749 = (void*)0;
static uint32_t **g_1748[7][5][7] = {{{&g_1749,&g_1749,&g_1749,(void*)0,&g_1749,&g_1749,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,(void*)0,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,(void*)0,(void*)0},{&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749}},{{(void*)0,(void*)0,(void*)0,(void*)0,(void*)0,(void*)0,&g_1749},{&g_1749,&g_1749,(void*)0,&g_1749,(void*)0,(void*)0,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{(void*)0,&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749}},{{&g_1749,(void*)0,(void*)0,&g_1749,(void*)0,&g_1749,&g_1749},{(void*)0,&g_1749,&g_1749,&g_1749,(void*)0,&g_1749,&g_1749},{&g_1749,&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{(void*)0,&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749}},{{&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{(void*)0,(void*)0,(void*)0,(void*)0,(void*)0,(void*)0,&g_1749},{&g_1749,&g_1749,(void*)0,&g_1749,(void*)0,(void*)0,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749}},{{(void*)0,&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749},{&g_1749,(void*)0,(void*)0,&g_1749,(void*)0,&g_1749,&g_1749},{(void*)0,&g_1749,&g_1749,&g_1749,(void*)0,&g_1749,&g_1749},{&g_1749,&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749}},{{(void*)0,&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749},{&g_1749,(void*)0,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{(void*)0,(void*)0,(void*)0,(void*)0,(void*)0,(void*)0,&g_1749},{&g_1749,&g_1749,(void*)0,&g_1749,(void*)0,(void*)0,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749}},{{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{(void*)0,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,&g_1749},{(void*)0,(void*)0,&g_1749,(void*)0,&g_1749,(void*)0,(void*)0},{&g_1749,&g_1749,&g_1749,(void*)0,&g_1749,&g_1749,&g_1749},{&g_1749,&g_1749,&g_1749,&g_1749,&g_1749,(void*)0,&g_1749}}};
static int16_t *g_1757 = &g_817[1][0];
static int16_t * const *g_1756 = &g_1757;
static const uint8_t g_1767[5] = {0x7AL,0x7AL,0x7AL,0x7AL,0x7AL};
static const int32_t ** volatile g_1823 = &g_1292;/* VOLATILE GLOBAL g_1823 */
static int16_t g_1876[10] = {(-1L),0L,(-1L),0L,(-1L),0L,(-1L),0L,(-1L),0L};
static int32_t * volatile g_1911 = &g_943.f1;/* VOLATILE GLOBAL g_1911 */
static int32_t *g_1918[9] = {&g_1609[1][0][0],&g_39,&g_1609[1][0][0],&g_39,&g_1609[1][0][0],&g_39,&g_1609[1][0][0],&g_39,&g_1609[1][0][0]};
static int32_t ** volatile g_1917 = &g_1918[6];/* VOLATILE GLOBAL g_1917 */
static int32_t ** volatile * const  volatile g_1919 = &g_1917;/* VOLATILE GLOBAL g_1919 */
static union U0 g_1942 = {0L};/* VOLATILE GLOBAL g_1942 */
static int32_t **g_1950 = &g_1918[6];
static int32_t ***g_1949 = &g_1950;
static int32_t ***g_1952 = &g_1950;
static union U1 g_1969 = {255UL};/* VOLATILE GLOBAL g_1969 */
static volatile int32_t g_1987 = 0x862B30BFL;/* VOLATILE GLOBAL g_1987 */
static int32_t g_1999 = 0x842ADA57L;
static volatile int32_t g_2000 = 0x0DC40EF7L;/* VOLATILE GLOBAL g_2000 */


/* --- FORWARD DECLARATIONS --- */
static const int32_t  func_1(void);
static int8_t  func_3(uint8_t  p_4);
static int64_t  func_8(uint8_t  p_9);
static uint8_t * func_18(int32_t  p_19);
static const int32_t  func_27(uint8_t * p_28, int32_t  p_29, uint16_t  p_30, uint8_t * p_31);
static uint8_t * func_32(const int32_t  p_33, uint8_t * p_34, uint8_t  p_35, uint8_t * p_36);


/* --- FUNCTIONS --- */
/* ------------------------------------------ */
/* 
 * reads :
 * writes:
 */
static const int32_t  func_1(void)
{ /* block id: 0 */
    uint16_t l_2 = 0xCB8CL;
    uint32_t *l_1229 = &g_91;
    int32_t l_1230[7][6][6] = {{{0L,0xB91D6409L,0x517259D3L,0x9F9DBAEEL,0x4E041F8EL,1L},{0x6158FBE4L,0x5735FF29L,0x538A30EAL,0x9F9DBAEEL,(-8L),0x3B2BE459L},{0L,0L,0x2F1B4F04L,6L,0x5735FF29L,0L},{0x187377F7L,(-1L),0xB6D6A2E7L,0x3EC260EDL,0x3EC260EDL,0xB6D6A2E7L},{6L,6L,0x6394F8EDL,0xB91D6409L,0x6158FBE4L,0x76B6A6C3L},{(-8L),0xB30F6997L,(-1L),0xDA09793BL,4L,0x6394F8EDL}},{{0x062E3125L,(-8L),(-1L),0x48B5F7A2L,6L,0x76B6A6C3L},{0x9F9DBAEEL,0x48B5F7A2L,0x6394F8EDL,6L,8L,0xB6D6A2E7L},{6L,8L,0xB6D6A2E7L,1L,0xB30F6997L,0L},{0x4E041F8EL,0xDA09793BL,0x2F1B4F04L,1L,(-1L),0x3B2BE459L},{(-1L),0x062E3125L,0x538A30EAL,0L,3L,1L},{0x3EC260EDL,0x062E3125L,0x517259D3L,0L,(-1L),0L}},{{1L,0xDA09793BL,1L,(-1L),0xB30F6997L,(-1L)},{0x5735FF29L,8L,1L,4L,8L,0x3C16D064L},{5L,0x48B5F7A2L,0L,0x37890803L,6L,(-10L)},{3L,(-8L),0x76B6A6C3L,1L,4L,0xDE767F11L},{3L,0xB30F6997L,0xDD7E9372L,0x37890803L,0x6158FBE4L,0x3BA88EA6L},{5L,6L,1L,4L,0x3EC260EDL,0x517259D3L}},{{0x5735FF29L,(-1L),0L,(-1L),0x5735FF29L,0xF06CBF0CL},{1L,0L,0x3C16D064L,0L,(-8L),0x03582CF5L},{0x3EC260EDL,0x5735FF29L,0x3BA88EA6L,0L,0x4E041F8EL,0x03582CF5L},{(-1L),0xB91D6409L,0x3C16D064L,1L,0xDA09793BL,0xF06CBF0CL},{0x4E041F8EL,(-1L),0L,1L,1L,0x517259D3L},{6L,0x9F9DBAEEL,0x3EC260EDL,0xB5A25100L,0x0CF9CD89L,0x187377F7L}},{{0xCDE88350L,(-1L),6L,4L,0x6BE91BD5L,(-1L)},{0xE7FF445FL,7L,0x6158FBE4L,0xA8AB4CBBL,0x6BE91BD5L,3L},{(-9L),(-1L),0x45619C3BL,(-10L),0x0CF9CD89L,1L},{1L,0xCDE88350L,5L,0x61D5A78BL,(-2L),0xB91D6409L},{(-1L),0xB961C1D2L,0L,1L,0xA8AB4CBBL,0x4E041F8EL},{(-2L),(-10L),0xDA09793BL,0xCDE88350L,0L,5L}},{{0xF67D848BL,6L,0xA8E3B494L,0xCDE88350L,(-9L),0x37890803L},{(-2L),(-1L),6L,1L,6L,0x48B5F7A2L},{(-1L),(-1L),(-1L),0x61D5A78BL,0x61D5A78BL,(-1L)},{1L,1L,0x5735FF29L,(-10L),0xF67D848BL,0x6158FBE4L},{(-9L),(-4L),0xB30F6997L,0xA8AB4CBBL,0x4DC79AECL,0x5735FF29L},{0xE7FF445FL,(-9L),0xB30F6997L,4L,1L,0x6158FBE4L}},{{0xCDE88350L,4L,0x5735FF29L,0xB5A25100L,0x779D7887L,(-1L)},{0xB5A25100L,0x779D7887L,(-1L),0L,(-4L),0x48B5F7A2L},{0L,0xA8AB4CBBL,6L,(-2L),(-1L),0x37890803L},{(-1L),0xE7FF445FL,0xA8E3B494L,(-1L),8L,5L},{0x61D5A78BL,0xE7FF445FL,0xDA09793BL,(-2L),(-1L),0x4E041F8EL},{0L,0xA8AB4CBBL,0L,(-1L),(-4L),0xB91D6409L}}};
    int64_t *l_1245[1][4];
    int16_t *l_1246[8][3] = {{&g_817[3][0],&g_817[3][0],&g_817[3][0]},{&g_817[5][0],(void*)0,&g_817[1][0]},{&g_817[3][0],&g_817[6][0],&g_817[1][0]},{(void*)0,&g_817[3][0],&g_817[3][0]},{&g_817[3][0],&g_817[3][0],&g_817[5][0]},{(void*)0,&g_817[5][0],&g_817[3][0]},{&g_817[3][0],&g_817[5][0],(void*)0},{&g_817[5][0],&g_817[3][0],&g_817[3][0]}};
    int32_t l_1247 = (-9L);
    uint32_t l_1325[2][8] = {{0x4A1901A2L,0x95792450L,0x02054105L,0x02054105L,0x95792450L,0x4A1901A2L,1UL,0x4A1901A2L},{0x95792450L,0x4A1901A2L,1UL,0x4A1901A2L,0x95792450L,0x02054105L,0x02054105L,0x95792450L}};
    union U1 *****l_1486 = &g_1169;
    uint32_t l_1510 = 0xECD615FDL;
    int16_t l_1526 = 0x29A0L;
    int32_t ***l_1538 = &g_283;
    uint32_t l_1571 = 0xA935A3DBL;
    int32_t l_1582 = 0L;
    uint32_t l_1626 = 18446744073709551615UL;
    uint32_t l_1631 = 0UL;
    int64_t **l_1695 = &l_1245[0][1];
    int16_t * const *l_1759 = (void*)0;
    uint64_t l_1806 = 0xFCCC85277AB74B82LL;
    int64_t ***l_1812 = &l_1695;
    uint8_t l_1873 = 0x8DL;
    uint16_t l_1878 = 6UL;
    uint16_t l_1881 = 0UL;
    int8_t l_1900 = (-5L);
    int32_t l_1910 = 0L;
    uint8_t l_1913 = 255UL;
    int32_t ***l_1951 = &g_1950;
    int32_t *l_1998[6];
    uint64_t l_2001 = 18446744073709551615UL;
    const int64_t l_2004[10][7][3] = {{{(-1L),(-1L),1L},{6L,(-2L),0L},{0x9F1479B8064752DCLL,(-8L),1L},{(-1L),0xA8CF74D7C038B97BLL,0x5A113144997C3FAALL},{(-2L),0x9F1479B8064752DCLL,1L},{(-1L),0xEA4E8825DB0E24BALL,0L},{(-1L),(-1L),1L}},{{7L,(-1L),(-1L)},{7L,1L,(-1L)},{(-1L),0L,0xEA4E8825DB0E24BALL},{(-1L),1L,0x9F1479B8064752DCLL},{(-2L),0x5A113144997C3FAALL,0xA8CF74D7C038B97BLL},{(-1L),1L,(-8L)},{0x90899D7A93AF3734LL,0xA8CF74D7C038B97BLL,1L}},{{(-1L),0x5A113144997C3FAALL,4L},{4L,0xB50293C3FED7C85BLL,4L},{0xEA4E8825DB0E24BALL,(-1L),1L},{(-2L),0L,0x9F1479B8064752DCLL},{(-1L),0x90899D7A93AF3734LL,1L},{0L,1L,0x90899D7A93AF3734LL},{(-1L),0x9F1479B8064752DCLL,0L}},{{(-2L),1L,(-1L)},{0xEA4E8825DB0E24BALL,4L,0xB50293C3FED7C85BLL},{4L,4L,0x5A113144997C3FAALL},{(-1L),1L,0xA8CF74D7C038B97BLL},{0x90899D7A93AF3734LL,0x9F1479B8064752DCLL,6L},{0xB50293C3FED7C85BLL,1L,0xB2F2FDBA830F7B53LL},{1L,0x90899D7A93AF3734LL,6L}},{{(-1L),0L,0xA8CF74D7C038B97BLL},{(-8L),(-1L),0x5A113144997C3FAALL},{3L,0xB50293C3FED7C85BLL,0xB50293C3FED7C85BLL},{3L,0x5A113144997C3FAALL,(-1L)},{(-8L),0xA8CF74D7C038B97BLL,0L},{(-1L),6L,0x90899D7A93AF3734LL},{1L,0xB2F2FDBA830F7B53LL,1L}},{{0xB50293C3FED7C85BLL,6L,0x9F1479B8064752DCLL},{0x90899D7A93AF3734LL,0xA8CF74D7C038B97BLL,1L},{(-1L),0x5A113144997C3FAALL,4L},{4L,0xB50293C3FED7C85BLL,4L},{0xEA4E8825DB0E24BALL,(-1L),1L},{(-2L),0L,0x9F1479B8064752DCLL},{(-1L),0x90899D7A93AF3734LL,1L}},{{0L,1L,0x90899D7A93AF3734LL},{(-1L),0x9F1479B8064752DCLL,0L},{(-2L),1L,(-1L)},{0xEA4E8825DB0E24BALL,4L,0xB50293C3FED7C85BLL},{4L,4L,0x5A113144997C3FAALL},{(-1L),1L,0xA8CF74D7C038B97BLL},{0x90899D7A93AF3734LL,0x9F1479B8064752DCLL,6L}},{{0xB50293C3FED7C85BLL,1L,0xB2F2FDBA830F7B53LL},{1L,0x90899D7A93AF3734LL,6L},{(-1L),0L,0xA8CF74D7C038B97BLL},{(-8L),(-1L),0x5A113144997C3FAALL},{3L,0xB50293C3FED7C85BLL,0xB50293C3FED7C85BLL},{3L,0x5A113144997C3FAALL,(-1L)},{(-8L),0xA8CF74D7C038B97BLL,0L}},{{(-1L),6L,0x90899D7A93AF3734LL},{1L,0xB2F2FDBA830F7B53LL,1L},{0xB50293C3FED7C85BLL,6L,0x9F1479B8064752DCLL},{0x90899D7A93AF3734LL,0xA8CF74D7C038B97BLL,1L},{(-1L),0x5A113144997C3FAALL,4L},{4L,0xB50293C3FED7C85BLL,4L},{0xEA4E8825DB0E24BALL,(-1L),1L}},{{(-2L),0L,0x9F1479B8064752DCLL},{(-1L),0x90899D7A93AF3734LL,1L},{0L,1L,0x90899D7A93AF3734LL},{(-1L),0x9F1479B8064752DCLL,0L},{(-2L),1L,(-1L)},{0xEA4E8825DB0E24BALL,4L,0xB50293C3FED7C85BLL},{4L,4L,0x5A113144997C3FAALL}}};
    int i, j, k;
    for (i = 0; i < 1; i++)
    {
        for (j = 0; j < 4; j++)
            l_1245[i][j] = &g_131;
    }
    for (i = 0; i < 6; i++)
        l_1998[i] = &l_1247;
    return l_2004[9][0][2];
}


/* ------------------------------------------ */
/* 
 * reads : g_13 g_26 g_40 g_51 g_49 g_41 g_62 g_1013 g_1031 g_178 g_179 g_1051 g_716 g_717 g_861.f0 g_166 g_610.f1 g_381 g_1073 g_283 g_385 g_944.f2 g_607 g_715 g_861.f1 g_946.f0 g_679.f0 g_91 g_1122 g_1131 g_622.f2 g_1144 g_63 g_60 g_1163 g_1168 g_440 g_124 g_1169 g_379 g_261 g_411
 * writes: g_13 g_39 g_51 g_49 g_60 g_62 g_861.f1 g_1013 g_944.f2 g_622.f1 g_1032 g_40 g_610.f1 g_261 g_381 g_411 g_607 g_943.f1 g_817 g_973 g_1123 g_1131 g_622.f2 g_860 g_1168 g_1170 g_91 g_124
 */
static int8_t  func_3(uint8_t  p_4)
{ /* block id: 1 */
    uint8_t *l_10 = (void*)0;
    uint8_t *l_11 = (void*)0;
    uint8_t *l_12 = &g_13;
    int32_t l_37 = (-5L);
    int32_t *l_38 = &g_39;
    uint64_t *l_50 = &g_51;
    uint16_t l_56 = 65535UL;
    int64_t *l_57 = (void*)0;
    int64_t *l_58[9][4][7] = {{{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,(void*)0,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{&g_49,(void*)0,&g_49,&g_49,&g_49,&g_49,&g_49}},{{&g_49,&g_49,(void*)0,(void*)0,(void*)0,&g_49,(void*)0},{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,(void*)0},{(void*)0,(void*)0,(void*)0,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,(void*)0,(void*)0}},{{(void*)0,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,(void*)0},{(void*)0,&g_49,&g_49,(void*)0,&g_49,&g_49,&g_49},{&g_49,(void*)0,&g_49,&g_49,&g_49,&g_49,&g_49}},{{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{(void*)0,&g_49,(void*)0,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{&g_49,(void*)0,(void*)0,(void*)0,(void*)0,&g_49,&g_49}},{{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,(void*)0,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,(void*)0,&g_49,&g_49},{(void*)0,(void*)0,&g_49,&g_49,&g_49,&g_49,&g_49}},{{&g_49,&g_49,(void*)0,&g_49,(void*)0,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{(void*)0,(void*)0,&g_49,&g_49,&g_49,&g_49,&g_49}},{{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,(void*)0,&g_49,(void*)0,(void*)0},{(void*)0,&g_49,&g_49,(void*)0,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,(void*)0}},{{&g_49,(void*)0,&g_49,&g_49,(void*)0,&g_49,&g_49},{&g_49,&g_49,(void*)0,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,(void*)0,&g_49,&g_49},{&g_49,(void*)0,&g_49,&g_49,&g_49,&g_49,(void*)0}},{{&g_49,&g_49,(void*)0,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{(void*)0,&g_49,&g_49,&g_49,&g_49,&g_49,&g_49},{&g_49,&g_49,&g_49,(void*)0,&g_49,&g_49,&g_49}}};
    uint64_t *l_59 = &g_60;
    uint8_t **l_1039 = &g_40[3];
    int32_t *l_1040 = &g_610.f1;
    uint32_t *l_1046 = &g_91;
    uint32_t **l_1045[5][10] = {{&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046},{&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046},{&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046},{&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046},{&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046,&l_1046}};
    int32_t **l_1055 = &l_1040;
    uint32_t *l_1061 = &g_206[2][2];
    int16_t l_1102 = 0xE62CL;
    union U1 *l_1121 = &g_404;
    int32_t l_1129 = 0xA443D014L;
    union U0 *l_1143 = (void*)0;
    uint32_t l_1160 = 0xCA2B1770L;
    int8_t l_1166 = 0x01L;
    union U1 ***** const l_1167 = (void*)0;
    uint64_t l_1179 = 0xF38111821DF2633ALL;
    int32_t l_1180 = 0xBA365430L;
    uint8_t **l_1195 = (void*)0;
    int32_t l_1200 = 0xF22608B3L;
    int i, j, k;
lbl_1104:
    (*l_1040) = (safe_add_func_uint32_t_u_u((+func_8(((*l_12)++))), (safe_div_func_uint8_t_u_u(((l_37 = (((*l_1039) = (l_11 = func_18((g_861.f1 = (6UL & ((safe_add_func_int32_t_s_s(((safe_add_func_int64_t_s_s(((safe_sub_func_uint32_t_u_u((g_26 , g_26), func_27(func_32(((*l_38) = (p_4 ^ l_37)), g_40[3], (((!(l_37 , (((safe_sub_func_int64_t_s_s((((*l_59) = (safe_div_func_uint16_t_u_u((safe_mod_func_uint64_t_u_u((--(*l_50)), (g_49 ^= (safe_div_func_uint32_t_u_u((0x3C9E4A0435E45DB0LL <= l_56), l_56))))), g_41))) , g_51), 0UL)) <= 0xFCE2495621847726LL) , l_37))) & g_41) , l_56), &g_41), l_37, p_4, l_10))) || 0x59L), l_56)) != (-1L)), p_4)) , l_56)))))) == &p_4)) <= l_56), p_4))));
    if ((((**g_178) &= ((&g_283 == &g_283) >= p_4)) && (safe_mod_func_int32_t_s_s((((*l_1040) = (safe_lshift_func_int8_t_s_u(0xBBL, ((l_1045[1][9] == &l_1046) <= (safe_mod_func_uint16_t_u_u((0x867A7085L >= (safe_lshift_func_int16_t_s_u((g_1051 , (((safe_mul_func_int16_t_s_s((*g_716), p_4)) , g_861.f0) != p_4)), 0))), p_4)))))) | 0x8867C6A0L), g_166))))
    { /* block id: 434 */
        uint16_t l_1054 = 65527UL;
        l_1054 = (-1L);
        (*l_1040) = ((l_1055 = (void*)0) != (void*)0);
    }
    else
    { /* block id: 438 */
        int8_t l_1058 = 0x53L;
        uint32_t **l_1093 = (void*)0;
        int32_t l_1100 = 0x66304F62L;
        int32_t l_1127 = 0xBE11C411L;
        int32_t l_1128 = 0L;
        uint8_t l_1140 = 4UL;
        (*l_1040) &= 0L;
        for (g_261 = (-6); (g_261 > (-30)); g_261 = safe_sub_func_int8_t_s_s(g_261, 3))
        { /* block id: 442 */
            uint32_t *l_1062[4] = {(void*)0,(void*)0,(void*)0,(void*)0};
            int8_t *l_1063 = &g_381;
            int32_t l_1072[9] = {1L,1L,1L,1L,1L,1L,1L,1L,1L};
            int i;
            if ((((*l_1063) ^= ((p_4 != l_1058) != (+(safe_unary_minus_func_int16_t_s((0x33L != (l_1061 != l_1062[1]))))))) || (safe_lshift_func_uint8_t_u_s(p_4, (safe_div_func_uint16_t_u_u(l_1058, (safe_rshift_func_uint8_t_u_s((safe_add_func_int32_t_s_s(l_1072[0], (g_1073 || l_1058))), 0))))))))
            { /* block id: 444 */
                uint8_t l_1084 = 251UL;
                union U0 **l_1094 = &g_621;
                int32_t l_1130 = 0x2CBC90C4L;
                (*g_283) = (void*)0;
                for (g_411 = 2; (g_411 <= 1); g_411 = safe_sub_func_int32_t_s_s(g_411, 8))
                { /* block id: 448 */
                    int32_t *l_1101 = &g_861.f1;
                    int32_t ***l_1116 = &g_283;
                    int32_t l_1126[1][9][10] = {{{0x361169EBL,0xD2AD1B65L,0x490FABC5L,1L,(-8L),0x20F308A1L,0x20F308A1L,(-8L),1L,0x490FABC5L},{0L,0L,0xD2AD1B65L,(-1L),0x361169EBL,1L,0xD41BDF11L,(-3L),0x20F308A1L,1L},{(-7L),6L,0xFE4B241EL,0x08801E29L,(-1L),0xF6920D64L,0xD41BDF11L,(-2L),0xD2AD1B65L,8L},{0xB7A30552L,0L,0x88143CB9L,0x83F5D1A2L,1L,0xFD69A9CEL,0x20F308A1L,(-7L),(-1L),0xF6920D64L},{0x83F5D1A2L,0xD2AD1B65L,0L,0x490FABC5L,0xD41BDF11L,0x490FABC5L,0L,0xD2AD1B65L,0x83F5D1A2L,(-10L)},{0x454F0BC8L,0xD41BDF11L,1L,(-3L),(-7L),1L,0L,0x3354F340L,0xC4F1B0C5L,(-2L)},{0L,0xF6920D64L,1L,(-3L),6L,0x54A7AACDL,0x490FABC5L,0x20F308A1L,0x83F5D1A2L,0L},{0xD41BDF11L,0x3354F340L,0x82315D6BL,0x490FABC5L,0x42330919L,0xB7A30552L,0x08801E29L,(-1L),(-1L),0x08801E29L},{(-2L),(-1L),0x83F5D1A2L,0x83F5D1A2L,(-1L),(-2L),0xFE4B241EL,0xB5834777L,0xB7A30552L,(-1L)}}};
                    int i, j, k;
                    for (g_13 = 0; (g_13 <= 1); g_13 += 1)
                    { /* block id: 451 */
                        int32_t *l_1076 = &l_37;
                        int32_t *l_1077 = &g_607;
                        int32_t *l_1078 = (void*)0;
                        int32_t *l_1079 = (void*)0;
                        int32_t *l_1080 = &g_943.f1;
                        int32_t *l_1081 = &l_37;
                        int32_t *l_1082 = &g_858.f1;
                        int32_t *l_1083[1];
                        union U0 **l_1095 = (void*)0;
                        int i;
                        for (i = 0; i < 1; i++)
                            l_1083[i] = &g_607;
                        l_1084--;
                        (*l_1080) = ((*l_1077) &= ((safe_add_func_uint8_t_u_u((safe_div_func_int32_t_s_s(((*l_1076) ^= (safe_lshift_func_uint16_t_u_s((l_1093 != (void*)0), (((*l_50) = g_610.f1) || g_385)))), (-3L))), p_4)) != (((g_944.f2 , (*g_716)) && (l_1094 == l_1095)) >= 0UL)));
                    }
                    if ((safe_lshift_func_int16_t_s_u(((safe_sub_func_uint64_t_u_u(g_715, 0x49CC3CAC9B6E25B2LL)) == ((((*l_1101) |= (l_1100 ^= ((**l_1055) = 1L))) || p_4) , (((*l_1039) = l_1063) != (p_4 , (void*)0)))), 10)))
                    { /* block id: 462 */
                        (**l_1055) = l_1102;
                        (*l_1055) = (*l_1055);
                        (*g_283) = (void*)0;
                    }
                    else
                    { /* block id: 466 */
                        uint32_t l_1103 = 0xDBFFFE56L;
                        if (l_1103)
                            break;
                    }
                    if ((*l_1040))
                    { /* block id: 469 */
                        int32_t *l_1105 = &g_944.f1;
                        (*l_1040) = ((*l_1101) ^= l_1072[0]);
                        if (g_381)
                            goto lbl_1104;
                        l_1105 = &l_1100;
                    }
                    else
                    { /* block id: 474 */
                        int64_t **l_1120 = &l_58[3][3][2];
                        int32_t *l_1124 = &g_161;
                        int32_t *l_1125[8];
                        int i;
                        for (i = 0; i < 8; i++)
                            l_1125[i] = &l_1072[3];
                        (*g_1122) = (g_973 = (((safe_rshift_func_uint8_t_u_u((safe_add_func_uint32_t_u_u(((safe_mul_func_uint8_t_u_u(p_4, (safe_rshift_func_uint8_t_u_u((p_4 & ((((0L <= 0x9B9B816CL) <= ((((((((safe_rshift_func_int16_t_s_s(1L, (g_817[1][0] = (l_1116 == (g_946.f0 , &g_283))))) && (safe_mod_func_int64_t_s_s((safe_unary_minus_func_uint64_t_u(((p_4 , (*l_1101)) != 0UL))), g_679.f0))) >= p_4) && p_4) != p_4) , &g_179) != l_1120) > g_607)) , p_4) | (**l_1055))), l_1072[8])))) & p_4), l_1072[8])), p_4)) != g_91) , l_1121));
                        g_1131--;
                    }
                }
            }
            else
            { /* block id: 481 */
                for (l_1127 = 8; (l_1127 == (-21)); l_1127 = safe_sub_func_int16_t_s_s(l_1127, 2))
                { /* block id: 484 */
                    int32_t *l_1136[5][4] = {{(void*)0,&l_37,&l_1127,&l_1127},{&l_1100,&l_1100,(void*)0,&l_1127},{(void*)0,&l_37,(void*)0,(void*)0},{(void*)0,(void*)0,(void*)0,(void*)0},{&l_1100,(void*)0,&l_1127,(void*)0}};
                    uint16_t l_1137 = 0x76F3L;
                    int i, j;
                    l_1137++;
                }
                if (l_1140)
                    continue;
            }
        }
        for (g_622.f2 = 0; (g_622.f2 >= (-24)); g_622.f2--)
        { /* block id: 492 */
            (*g_1144) = l_1143;
        }
        for (l_1100 = 14; (l_1100 < (-6)); l_1100--)
        { /* block id: 497 */
            uint32_t l_1151 = 0UL;
            int32_t **l_1154 = &g_62;
            g_607 |= ((safe_rshift_func_int16_t_s_s((0xBB14F741L >= (safe_div_func_uint64_t_u_u((p_4 <= ((l_1151 < ((((p_4 & (((safe_rshift_func_uint8_t_u_s(((((&g_62 != l_1154) || (5L ^ ((0xB83841314219F7F5LL & (safe_lshift_func_int16_t_s_s((safe_unary_minus_func_uint8_t_u((safe_lshift_func_int8_t_s_u(g_63, p_4)))), 10))) , l_1160))) && g_60) <= (*l_1040)), 7)) <= (**l_1055)) , 0UL)) , 0xF547L) , p_4) != 255UL)) >= l_1151)), 9UL))), 0)) , p_4);
            (*l_1040) ^= (l_1058 & ((p_4 & 4L) != p_4));
            if (g_1163)
                break;
        }
    }
    if ((((safe_lshift_func_uint8_t_u_u(((*l_1040) < (p_4 , ((l_1166 , l_1167) == (g_1168[3] = g_1168[1])))), ((safe_div_func_uint32_t_u_u(p_4, (*l_1040))) ^ ((safe_mul_func_uint8_t_u_u((safe_unary_minus_func_int8_t_s(((4L != ((safe_sub_func_int16_t_s_s(l_1179, (*g_716))) | l_1180)) > g_41))), g_440)) && g_124)))) , 0x620DD7D7L) < (*l_1040)))
    { /* block id: 504 */
        int64_t l_1181[5];
        union U1 ***l_1184 = (void*)0;
        uint8_t ***l_1194 = &l_1039;
        uint8_t **l_1196 = &g_40[8];
        int32_t l_1199 = 0x9E52588CL;
        int16_t *l_1201 = (void*)0;
        int16_t *l_1202[1][1][5];
        int32_t l_1203 = 0xA1E6799AL;
        uint16_t *l_1204 = &g_124;
        union U1 *l_1205 = &g_404;
        int8_t *l_1208[3];
        uint16_t **l_1211 = &l_1204;
        const uint16_t *l_1217 = &g_124;
        uint16_t *l_1218[6];
        int i, j, k;
        for (i = 0; i < 5; i++)
            l_1181[i] = 0L;
        for (i = 0; i < 1; i++)
        {
            for (j = 0; j < 1; j++)
            {
                for (k = 0; k < 5; k++)
                    l_1202[i][j][k] = &g_817[6][0];
            }
        }
        for (i = 0; i < 3; i++)
            l_1208[i] = &g_417[2];
        for (i = 0; i < 6; i++)
            l_1218[i] = &g_412[2][1];
        (*l_1040) = 0xC3ECF922L;
        l_1143 = ((l_1181[4] ^ (((((((*g_1169) = l_1184) != (void*)0) == (((*l_1204) = ((l_1203 = (safe_sub_func_uint32_t_u_u((((safe_sub_func_int64_t_s_s((((safe_unary_minus_func_uint8_t_u(l_1181[2])) && (safe_sub_func_int8_t_s_s((safe_rshift_func_uint8_t_u_u(((((*l_1040) = ((*l_1046) &= ((&l_1166 != &l_1166) || (((l_1195 = ((*l_1194) = &l_12)) == l_1196) || ((**l_1195)--))))) < ((l_1199 = g_63) , l_1181[1])) || (*l_1040)), 1)), g_381))) != 0x08L), l_1181[2])) < l_1200) < (-1L)), p_4))) > p_4)) <= (*g_716))) , (void*)0) != l_1205) | 0xDBF81DCD6ABC37A2LL)) , l_1143);
        (*l_1040) = (safe_mul_func_int8_t_s_s((l_1203 = g_379), (((safe_mod_func_int64_t_s_s(((((*l_1211) = l_1201) != (void*)0) || 65535UL), ((**g_178) &= 0x84F30CF47DE28E03LL))) ^ g_946.f0) , (+(((safe_add_func_uint16_t_u_u((safe_sub_func_int8_t_s_s(g_379, l_1181[4])), (l_1199 = (l_1217 != (void*)0)))) < 0xCDL) , p_4)))));
    }
    else
    { /* block id: 521 */
        (*g_283) = (*g_283);
    }
    return p_4;
}


/* ------------------------------------------ */
/* 
 * reads : g_13
 * writes:
 */
static int64_t  func_8(uint8_t  p_9)
{ /* block id: 3 */
    return g_13;
}


/* ------------------------------------------ */
/* 
 * reads : g_1013 g_944.f2 g_1031
 * writes: g_1013 g_944.f2 g_622.f1 g_1032
 */
static uint8_t * func_18(int32_t  p_19)
{ /* block id: 412 */
    int32_t *l_1012[10] = {&g_161,&g_607,&g_161,&g_607,&g_161,&g_607,&g_161,&g_607,&g_161,&g_607};
    int64_t l_1034[9] = {0xF09064B70A12069DLL,0x97A4865DC22B8CA7LL,0xF09064B70A12069DLL,0x97A4865DC22B8CA7LL,0xF09064B70A12069DLL,0x97A4865DC22B8CA7LL,0xF09064B70A12069DLL,0x97A4865DC22B8CA7LL,0xF09064B70A12069DLL};
    uint32_t l_1035 = 0xEA12A16DL;
    uint8_t *l_1038 = &g_582.f0;
    int i;
    --g_1013;
    for (g_944.f2 = (-24); (g_944.f2 <= (-10)); ++g_944.f2)
    { /* block id: 416 */
        int32_t l_1018 = 0L;
        int32_t l_1019[9];
        uint32_t l_1020 = 1UL;
        uint32_t l_1025 = 0xBFD60D40L;
        int i;
        for (i = 0; i < 9; i++)
            l_1019[i] = (-4L);
        ++l_1020;
        for (g_622.f1 = 0; (g_622.f1 != 0); ++g_622.f1)
        { /* block id: 420 */
            int8_t l_1028 = 0x51L;
            uint16_t *l_1030 = &g_124;
            uint16_t **l_1029 = &l_1030;
            l_1025++;
            l_1028 ^= 0x7C541DB2L;
            (*g_1031) = l_1029;
        }
    }
    l_1035--;
    return l_1038;
}


/* ------------------------------------------ */
/* 
 * reads :
 * writes: g_62
 */
static const int32_t  func_27(uint8_t * p_28, int32_t  p_29, uint16_t  p_30, uint8_t * p_31)
{ /* block id: 12 */
    int32_t * const l_65[2] = {(void*)0,(void*)0};
    int32_t **l_66 = &g_62;
    const int64_t *l_85 = (void*)0;
    uint32_t l_96[10] = {0x056EFF52L,0x056EFF52L,0x056EFF52L,0x056EFF52L,0x056EFF52L,0x056EFF52L,0x056EFF52L,0x056EFF52L,0x056EFF52L,0x056EFF52L};
    int32_t l_99 = 0x75F92796L;
    int32_t l_100 = 0L;
    const uint16_t * const l_193 = (void*)0;
    const union U1 *l_230 = &g_231;
    uint8_t *l_344 = &g_138.f0;
    uint8_t *l_345 = &g_235[1].f0;
    uint64_t l_346 = 1UL;
    int64_t *l_351[9];
    int16_t l_352 = 0x3944L;
    int32_t l_353 = 0L;
    union U1 ****l_405 = (void*)0;
    uint32_t l_426[6][9][4] = {{{0x42F2ACE3L,1UL,0xD50CB38BL,0x7CD70FB3L},{0x9333FC29L,0x8763CD8DL,0xADCC1025L,0x42F2ACE3L},{0xF0FA86CCL,0UL,0UL,0xF0FA86CCL},{0xF0FA86CCL,0xA40FEAA9L,0xADCC1025L,0x60FB644CL},{0x9333FC29L,0x86FF757CL,0xD50CB38BL,0UL},{0x42F2ACE3L,2UL,4294967295UL,0UL},{0x91D6976FL,0x86FF757CL,1UL,0x60FB644CL},{1UL,0xA40FEAA9L,0x86FF757CL,0xF0FA86CCL},{0UL,0UL,0x86FF757CL,0x42F2ACE3L}},{{1UL,0x8763CD8DL,1UL,0x7CD70FB3L},{0x91D6976FL,1UL,4294967295UL,0x9333FC29L},{0x42F2ACE3L,1UL,0xD50CB38BL,0x7CD70FB3L},{0x9333FC29L,0x8763CD8DL,0xADCC1025L,0x42F2ACE3L},{0xF0FA86CCL,0UL,0UL,0xF0FA86CCL},{0xF0FA86CCL,0xA40FEAA9L,0xADCC1025L,0x60FB644CL},{0x9333FC29L,0x86FF757CL,0xD50CB38BL,0UL},{0x42F2ACE3L,2UL,4294967295UL,0UL},{0x91D6976FL,0x86FF757CL,1UL,0x60FB644CL}},{{1UL,0xA40FEAA9L,0x86FF757CL,0xF0FA86CCL},{0UL,0UL,0x86FF757CL,0x42F2ACE3L},{1UL,0x8763CD8DL,1UL,0x7CD70FB3L},{0x91D6976FL,1UL,4294967295UL,0x9333FC29L},{0x42F2ACE3L,1UL,0xD50CB38BL,0x7CD70FB3L},{0x9333FC29L,0x8763CD8DL,0xADCC1025L,0x42F2ACE3L},{0xF0FA86CCL,0UL,0UL,0xF0FA86CCL},{0xF0FA86CCL,0xA40FEAA9L,0xADCC1025L,0x60FB644CL},{0x9333FC29L,0x86FF757CL,0xD50CB38BL,0UL}},{{0x42F2ACE3L,2UL,4294967295UL,0UL},{0x91D6976FL,0x86FF757CL,1UL,0x60FB644CL},{1UL,0xA40FEAA9L,0x86FF757CL,0xF0FA86CCL},{0UL,0UL,0x86FF757CL,0x42F2ACE3L},{1UL,0x8763CD8DL,1UL,0x7CD70FB3L},{0x91D6976FL,1UL,4294967295UL,0x9333FC29L},{0x42F2ACE3L,1UL,0xD50CB38BL,0x7CD70FB3L},{0x20A1A030L,0xD50CB38BL,4294967295UL,0x7CD70FB3L},{0UL,0x6B5C0864L,0x6B5C0864L,0UL}},{{0UL,0x86FF757CL,4294967295UL,0x3A05BC7DL},{0x20A1A030L,0UL,0xADCC1025L,0x9333FC29L},{0x7CD70FB3L,0x0B965632L,0xA40FEAA9L,0x9333FC29L},{1UL,0UL,2UL,0x3A05BC7DL},{0x42F2ACE3L,0x86FF757CL,0UL,0UL},{0UL,0x6B5C0864L,0UL,0x7CD70FB3L},{0x42F2ACE3L,0xD50CB38BL,2UL,0xF0FA86CCL},{1UL,2UL,0xA40FEAA9L,0x20A1A030L},{0x7CD70FB3L,2UL,0xADCC1025L,0xF0FA86CCL}},{{0x20A1A030L,0xD50CB38BL,4294967295UL,0x7CD70FB3L},{0UL,0x6B5C0864L,0x6B5C0864L,0UL},{0UL,0x86FF757CL,4294967295UL,0x3A05BC7DL},{0x20A1A030L,0UL,0xADCC1025L,0x9333FC29L},{0x7CD70FB3L,0x0B965632L,0xA40FEAA9L,0x9333FC29L},{1UL,0UL,2UL,0x3A05BC7DL},{0x42F2ACE3L,0x86FF757CL,0UL,0UL},{0UL,0x6B5C0864L,0UL,0x7CD70FB3L},{0x42F2ACE3L,0xD50CB38BL,2UL,0xF0FA86CCL}}};
    uint64_t l_574 = 4UL;
    union U0 *l_678 = &g_679;
    uint16_t l_694[8][3] = {{0xAA3DL,0UL,0UL},{0xA3DEL,0UL,0UL},{0xAA3DL,0UL,0UL},{0xA3DEL,0UL,0UL},{0xAA3DL,0UL,0UL},{0xA3DEL,0UL,0UL},{0xAA3DL,0UL,0UL},{0xA3DEL,0UL,0UL}};
    int64_t l_758 = 0x199A354DA928E635LL;
    int16_t l_829 = 0xA436L;
    int32_t l_834[8] = {1L,(-5L),(-5L),1L,(-5L),(-5L),1L,(-5L)};
    int8_t *l_852 = &g_417[2];
    uint32_t l_882 = 0xCDE5E978L;
    int8_t l_890 = 0xDBL;
    const uint32_t l_911 = 1UL;
    int32_t l_982 = 1L;
    int i, j, k;
    for (i = 0; i < 9; i++)
        l_351[i] = &g_131;
    (*l_66) = l_65[1];
    return p_30;
}


/* ------------------------------------------ */
/* 
 * reads : g_62
 * writes:
 */
static uint8_t * func_32(const int32_t  p_33, uint8_t * p_34, uint8_t  p_35, uint8_t * p_36)
{ /* block id: 9 */
    uint32_t l_61 = 0xEEDA7DA9L;
    int32_t *l_64 = (void*)0;
    l_64 = ((l_61 > l_61) , g_62);
    return &g_41;
}




/* ---------------------------------------- */
int main (int argc, char* argv[])
{
    int i, j, k;
    int print_hash_value = 0;
    if (argc == 2 && strcmp(argv[1], "1") == 0) print_hash_value = 1;
    platform_main_begin();
    crc32_gentab();
    func_1();
    transparent_crc(g_13, "g_13", print_hash_value);
    transparent_crc(g_26, "g_26", print_hash_value);
    transparent_crc(g_39, "g_39", print_hash_value);
    transparent_crc(g_41, "g_41", print_hash_value);
    transparent_crc(g_49, "g_49", print_hash_value);
    transparent_crc(g_51, "g_51", print_hash_value);
    transparent_crc(g_60, "g_60", print_hash_value);
    transparent_crc(g_63, "g_63", print_hash_value);
    transparent_crc(g_91, "g_91", print_hash_value);
    transparent_crc(g_98, "g_98", print_hash_value);
    transparent_crc(g_124, "g_124", print_hash_value);
    transparent_crc(g_131, "g_131", print_hash_value);
    transparent_crc(g_138.f0, "g_138.f0", print_hash_value);
    transparent_crc(g_161, "g_161", print_hash_value);
    transparent_crc(g_162, "g_162", print_hash_value);
    transparent_crc(g_165, "g_165", print_hash_value);
    transparent_crc(g_166, "g_166", print_hash_value);
    for (i = 0; i < 4; i++)
    {
        for (j = 0; j < 6; j++)
        {
            transparent_crc(g_206[i][j], "g_206[i][j]", print_hash_value);
            if (print_hash_value) printf("index = [%d][%d]\n", i, j);

        }
    }
    transparent_crc(g_231.f0, "g_231.f0", print_hash_value);
    transparent_crc(g_233.f0, "g_233.f0", print_hash_value);
    for (i = 0; i < 2; i++)
    {
        transparent_crc(g_235[i].f0, "g_235[i].f0", print_hash_value);
        if (print_hash_value) printf("index = [%d]\n", i);

    }
    transparent_crc(g_261, "g_261", print_hash_value);
    transparent_crc(g_262, "g_262", print_hash_value);
    transparent_crc(g_263, "g_263", print_hash_value);
    for (i = 0; i < 7; i++)
    {
        for (j = 0; j < 5; j++)
        {
            transparent_crc(g_356[i][j], "g_356[i][j]", print_hash_value);
            if (print_hash_value) printf("index = [%d][%d]\n", i, j);

        }
    }
    transparent_crc(g_379, "g_379", print_hash_value);
    transparent_crc(g_381, "g_381", print_hash_value);
    transparent_crc(g_385, "g_385", print_hash_value);
    transparent_crc(g_404.f0, "g_404.f0", print_hash_value);
    transparent_crc(g_410, "g_410", print_hash_value);
    transparent_crc(g_411, "g_411", print_hash_value);
    for (i = 0; i < 10; i++)
    {
        for (j = 0; j < 2; j++)
        {
            transparent_crc(g_412[i][j], "g_412[i][j]", print_hash_value);
            if (print_hash_value) printf("index = [%d][%d]\n", i, j);

        }
    }
    for (i = 0; i < 6; i++)
    {
        transparent_crc(g_417[i], "g_417[i]", print_hash_value);
        if (print_hash_value) printf("index = [%d]\n", i);

    }
    transparent_crc(g_421, "g_421", print_hash_value);
    transparent_crc(g_440, "g_440", print_hash_value);
    transparent_crc(g_582.f0, "g_582.f0", print_hash_value);
    transparent_crc(g_607, "g_607", print_hash_value);
    transparent_crc(g_610.f0, "g_610.f0", print_hash_value);
    transparent_crc(g_622.f0, "g_622.f0", print_hash_value);
    transparent_crc(g_679.f0, "g_679.f0", print_hash_value);
    transparent_crc(g_715, "g_715", print_hash_value);
    transparent_crc(g_717, "g_717", print_hash_value);
    for (i = 0; i < 7; i++)
    {
        for (j = 0; j < 1; j++)
        {
            transparent_crc(g_817[i][j], "g_817[i][j]", print_hash_value);
            if (print_hash_value) printf("index = [%d][%d]\n", i, j);

        }
    }
    transparent_crc(g_818, "g_818", print_hash_value);
    transparent_crc(g_858.f0, "g_858.f0", print_hash_value);
    transparent_crc(g_861.f0, "g_861.f0", print_hash_value);
    transparent_crc(g_869.f0, "g_869.f0", print_hash_value);
    transparent_crc(g_939.f0, "g_939.f0", print_hash_value);
    transparent_crc(g_943.f0, "g_943.f0", print_hash_value);
    transparent_crc(g_944.f0, "g_944.f0", print_hash_value);
    transparent_crc(g_945.f0, "g_945.f0", print_hash_value);
    transparent_crc(g_946.f0, "g_946.f0", print_hash_value);
    transparent_crc(g_947.f0, "g_947.f0", print_hash_value);
    transparent_crc(g_948.f0, "g_948.f0", print_hash_value);
    transparent_crc(g_977.f0, "g_977.f0", print_hash_value);
    transparent_crc(g_1006, "g_1006", print_hash_value);
    transparent_crc(g_1013, "g_1013", print_hash_value);
    transparent_crc(g_1033, "g_1033", print_hash_value);
    transparent_crc(g_1051.f0, "g_1051.f0", print_hash_value);
    transparent_crc(g_1073, "g_1073", print_hash_value);
    transparent_crc(g_1131, "g_1131", print_hash_value);
    transparent_crc(g_1163, "g_1163", print_hash_value);
    transparent_crc(g_1222.f0, "g_1222.f0", print_hash_value);
    transparent_crc(g_1231.f0, "g_1231.f0", print_hash_value);
    transparent_crc(g_1244.f0, "g_1244.f0", print_hash_value);
    for (i = 0; i < 8; i++)
    {
        transparent_crc(g_1254[i], "g_1254[i]", print_hash_value);
        if (print_hash_value) printf("index = [%d]\n", i);

    }
    transparent_crc(g_1263.f0, "g_1263.f0", print_hash_value);
    transparent_crc(g_1297.f0, "g_1297.f0", print_hash_value);
    for (i = 0; i < 10; i++)
    {
        transparent_crc(g_1315[i].f0, "g_1315[i].f0", print_hash_value);
        if (print_hash_value) printf("index = [%d]\n", i);

    }
    transparent_crc(g_1323, "g_1323", print_hash_value);
    transparent_crc(g_1373.f0, "g_1373.f0", print_hash_value);
    for (i = 0; i < 5; i++)
    {
        for (j = 0; j < 6; j++)
        {
            transparent_crc(g_1384[i][j].f0, "g_1384[i][j].f0", print_hash_value);
            if (print_hash_value) printf("index = [%d][%d]\n", i, j);

        }
    }
    transparent_crc(g_1394, "g_1394", print_hash_value);
    transparent_crc(g_1469, "g_1469", print_hash_value);
    transparent_crc(g_1487, "g_1487", print_hash_value);
    transparent_crc(g_1527.f0, "g_1527.f0", print_hash_value);
    transparent_crc(g_1607, "g_1607", print_hash_value);
    for (i = 0; i < 4; i++)
    {
        for (j = 0; j < 3; j++)
        {
            for (k = 0; k < 1; k++)
            {
                transparent_crc(g_1608[i][j][k], "g_1608[i][j][k]", print_hash_value);
                if (print_hash_value) printf("index = [%d][%d][%d]\n", i, j, k);

            }
        }
    }
    for (i = 0; i < 10; i++)
    {
        for (j = 0; j < 1; j++)
        {
            for (k = 0; k < 1; k++)
            {
                transparent_crc(g_1609[i][j][k], "g_1609[i][j][k]", print_hash_value);
                if (print_hash_value) printf("index = [%d][%d][%d]\n", i, j, k);

            }
        }
    }
    for (i = 0; i < 2; i++)
    {
        transparent_crc(g_1610[i], "g_1610[i]", print_hash_value);
        if (print_hash_value) printf("index = [%d]\n", i);

    }
    transparent_crc(g_1686.f0, "g_1686.f0", print_hash_value);
    transparent_crc(g_1713, "g_1713", print_hash_value);
    for (i = 0; i < 5; i++)
    {
        transparent_crc(g_1767[i], "g_1767[i]", print_hash_value);
        if (print_hash_value) printf("index = [%d]\n", i);

    }
    for (i = 0; i < 10; i++)
    {
        transparent_crc(g_1876[i], "g_1876[i]", print_hash_value);
        if (print_hash_value) printf("index = [%d]\n", i);

    }
    transparent_crc(g_1942.f0, "g_1942.f0", print_hash_value);
    transparent_crc(g_1969.f0, "g_1969.f0", print_hash_value);
    transparent_crc(g_1987, "g_1987", print_hash_value);
    transparent_crc(g_1999, "g_1999", print_hash_value);
    transparent_crc(g_2000, "g_2000", print_hash_value);
    platform_main_end(crc32_context ^ 0xFFFFFFFFUL, print_hash_value);
    return 0;
}

/************************ statistics *************************
XXX max struct depth: 0
breakdown:
   depth: 0, occurrence: 480
XXX total union variables: 13

XXX non-zero bitfields defined in structs: 2
XXX zero bitfields defined in structs: 0
XXX const bitfields defined in structs: 1
XXX volatile bitfields defined in structs: 2
XXX structs with bitfields in the program: 59
breakdown:
   indirect level: 0, occurrence: 13
   indirect level: 1, occurrence: 22
   indirect level: 2, occurrence: 9
   indirect level: 3, occurrence: 3
   indirect level: 4, occurrence: 6
   indirect level: 5, occurrence: 6
XXX full-bitfields structs in the program: 0
breakdown:
XXX times a bitfields struct's address is taken: 27
XXX times a bitfields struct on LHS: 0
XXX times a bitfields struct on RHS: 14
XXX times a single bitfield on LHS: 0
XXX times a single bitfield on RHS: 10

XXX max expression depth: 44
breakdown:
   depth: 1, occurrence: 61
   depth: 2, occurrence: 9
   depth: 3, occurrence: 2
   depth: 4, occurrence: 1
   depth: 12, occurrence: 2
   depth: 14, occurrence: 1
   depth: 16, occurrence: 1
   depth: 17, occurrence: 1
   depth: 18, occurrence: 1
   depth: 24, occurrence: 1
   depth: 28, occurrence: 1
   depth: 34, occurrence: 1
   depth: 44, occurrence: 1

XXX total number of pointers: 349

XXX times a variable address is taken: 771
XXX times a pointer is dereferenced on RHS: 203
breakdown:
   depth: 1, occurrence: 155
   depth: 2, occurrence: 45
   depth: 3, occurrence: 3
XXX times a pointer is dereferenced on LHS: 186
breakdown:
   depth: 1, occurrence: 171
   depth: 2, occurrence: 13
   depth: 3, occurrence: 2
XXX times a pointer is compared with null: 42
XXX times a pointer is compared with address of another variable: 10
XXX times a pointer is compared with another pointer: 12
XXX times a pointer is qualified to be dereferenced: 5240

XXX max dereference level: 4
breakdown:
   level: 0, occurrence: 0
   level: 1, occurrence: 692
   level: 2, occurrence: 328
   level: 3, occurrence: 116
   level: 4, occurrence: 4
XXX number of pointers point to pointers: 134
XXX number of pointers point to scalars: 189
XXX number of pointers point to structs: 0
XXX percent of pointers has null in alias set: 32.1
XXX average alias set size: 1.49

XXX times a non-volatile is read: 1540
XXX times a non-volatile is write: 697
XXX times a volatile is read: 48
XXX    times read thru a pointer: 2
XXX times a volatile is write: 12
XXX    times written thru a pointer: 1
XXX times a volatile is available for access: 2.58e+03
XXX percentage of non-volatile access: 97.4

XXX forward jumps: 1
XXX backward jumps: 11

XXX stmts: 53
XXX max block depth: 5
breakdown:
   depth: 0, occurrence: 14
   depth: 1, occurrence: 12
   depth: 2, occurrence: 8
   depth: 3, occurrence: 4
   depth: 4, occurrence: 4
   depth: 5, occurrence: 11

XXX percentage a fresh-made variable is used: 16.6
XXX percentage an existing variable is used: 83.4
FYI: the random generator makes assumptions about the integer size. See platform.info for more details.
********************* end of statistics **********************/

